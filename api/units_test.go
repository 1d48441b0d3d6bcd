package api_test

import (
	"net/http"
	"strings"
	"testing"
)

func TestUnitsAndReference(t *testing.T) {
	f := newFixture(t)
	tok := f.as(uMemberA)
	r := f.do("GET", "/api/v1/units/provinces", tok, nil)
	r.want(t, http.StatusOK)
	var list struct {
		Items []struct{ Code, Name string }
	}
	r.decode(t, &list)
	if len(list.Items) != 34 {
		t.Errorf("%d provinces; want 34", len(list.Items))
	}
	r = f.do("GET", "/api/v1/units/provinces/"+f.p1+"/communes", tok, nil)
	r.want(t, http.StatusOK)
	r.decode(t, &list)
	if len(list.Items) < 2 || list.Items[0].Code != f.cA {
		t.Errorf("communes of %s: %d, first %+v", f.p1, len(list.Items), list.Items)
	}
	f.do("GET", "/api/v1/units/provinces/99/communes", tok, nil).wantProblem(t, http.StatusNotFound, "not_found")

	r = f.do("GET", "/api/v1/banks", tok, nil)
	r.want(t, http.StatusOK)
	if !strings.Contains(string(r.Body), `"bin":"970436"`) {
		t.Errorf("banks lack Vietcombank: %.200s", r.Body)
	}

	const payload = "00020101021138570010A00000072701270006970436011300110012345670208QRIBFTTA53037045802VN5913NGUYEN THI HA6304"
	r = f.do("POST", "/api/v1/qr/decode", tok, map[string]string{"payload": payload + "ABCD"})
	r.want(t, http.StatusOK)
	var d struct {
		Valid    bool
		CRCValid bool `json:"crc_valid"`
		Error    string
	}
	r.decode(t, &d)
	if d.Valid || d.CRCValid || d.Error == "" {
		t.Errorf("a wrong CRC decoded as %s", r.Body)
	}
	f.do("POST", "/api/v1/qr/decode", tok, map[string]string{"payload": ""}).wantProblem(t, 422, "validation_failed")
}
