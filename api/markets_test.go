package api_test

import (
	"net/http"
	"strings"
	"testing"
)

func TestMarketsAndStalls(t *testing.T) {
	f := newFixture(t)
	officer := f.as(uOfficerA)

	r := f.do("POST", "/api/v1/markets", officer, map[string]any{"commune_code": f.cA, "name": "Chợ Đồng Xuân", "stall_count": 120})
	r.want(t, http.StatusCreated)
	var m struct {
		ID           int64
		Name         string
		CommuneCode  string `json:"commune_code"`
		ProvinceCode string `json:"province_code"`
		StallCount   int    `json:"stall_count"`
		Status       string
	}
	r.decode(t, &m)
	if m.ID <= 0 || m.Name != "Chợ Đồng Xuân" || m.CommuneCode != f.cA || m.ProvinceCode != f.p1 || m.StallCount != 120 || m.Status != "active" {
		t.Fatalf("created market %+v", m)
	}
	if loc := r.Header.Get("Location"); loc != "/api/v1/markets/"+itoa(m.ID) {
		t.Errorf("Location %q", loc)
	}
	f.do("GET", "/api/v1/markets/"+itoa(m.ID), f.as(uMemberA), nil).want(t, http.StatusOK)

	r = f.do("PATCH", "/api/v1/markets/"+itoa(m.ID), officer, map[string]any{"name": "Chợ Đồng Xuân mới", "stall_count": 150})
	r.want(t, http.StatusOK)
	r.decode(t, &m)
	if m.Name != "Chợ Đồng Xuân mới" || m.StallCount != 150 {
		t.Errorf("patched market %+v", m)
	}

	t.Run("paging", func(t *testing.T) {
		f.market(f.cA, 5)
		f.market(f.cA, 5)
		var ids []int64
		cursor := ""
		for range 10 {
			r := f.do("GET", "/api/v1/markets?commune="+f.cA+"&limit=2&cursor="+cursor, officer, nil)
			r.want(t, http.StatusOK)
			var page struct {
				Items      []struct{ ID int64 }
				NextCursor string `json:"next_cursor"`
			}
			r.decode(t, &page)
			if len(page.Items) > 2 {
				t.Fatalf("page of %d items with limit 2", len(page.Items))
			}
			for _, it := range page.Items {
				ids = append(ids, it.ID)
			}
			if page.NextCursor == "" {
				break
			}
			cursor = page.NextCursor
		}
		if len(ids) != 3 || ids[0] >= ids[1] || ids[1] >= ids[2] {
			t.Errorf("paged IDs %v; want 3 ascending", ids)
		}
	})

	t.Run("stalls", func(t *testing.T) {
		r := f.do("POST", "/api/v1/markets/"+itoa(m.ID)+"/stalls", f.as(uMemberA), map[string]any{"code": "A-01", "category": "rau củ"})
		r.want(t, http.StatusCreated)
		var st struct {
			ID       int64
			MarketID int64 `json:"market_id"`
			Code     string
			Status   string
		}
		r.decode(t, &st)
		if st.MarketID != m.ID || st.Code != "A-01" || st.Status != "active" {
			t.Fatalf("stall %+v", st)
		}
		f.do("POST", "/api/v1/markets/"+itoa(m.ID)+"/stalls", f.as(uMemberA), map[string]any{"code": "A-01"}).wantProblem(t, http.StatusConflict, "conflict")
		r = f.do("PATCH", "/api/v1/stalls/"+itoa(st.ID), f.as(uMemberA), map[string]any{"status": "vacant"})
		r.want(t, http.StatusOK)
		r.decode(t, &st)
		if st.Status != "vacant" {
			t.Errorf("stall status %q after PATCH", st.Status)
		}
		r = f.do("GET", "/api/v1/markets/"+itoa(m.ID)+"/stalls?status=vacant", f.as(uMemberA), nil)
		r.want(t, http.StatusOK)
		if !strings.Contains(string(r.Body), `"code":"A-01"`) {
			t.Errorf("vacant stalls %s", r.Body)
		}
	})
}
