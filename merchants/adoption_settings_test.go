package merchants_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/sapqr/sapqr/merchants"
)

func TestAdoptionSettingsValidation(t *testing.T) {
	ctx := context.Background()
	_, _, svc := setup(t)
	due := time.Date(2026, 12, 31, 0, 0, 0, 0, time.UTC)
	cases := []struct {
		name  string
		call  func() error
		field string
	}{
		{"threshold above 1", func() error { return svc.SetThreshold(ctx, "01", 1.5) }, "threshold"},
		{"threshold zero", func() error { return svc.SetThreshold(ctx, "01", 0) }, "threshold"},
		{"threshold without province", func() error { return svc.SetThreshold(ctx, "", 0.9) }, "province_code"},
		{"target share above 1", func() error {
			return svc.SetTarget(ctx, merchants.AdoptionTarget{ProvinceCode: "01", Cho40Share: 2, Due: due})
		}, "cho40_share"},
		{"target without due date", func() error { return svc.SetTarget(ctx, merchants.AdoptionTarget{ProvinceCode: "01", Cho40Share: 1}) }, "due"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var v *merchants.ValidationError
			if err := c.call(); !errors.As(err, &v) {
				t.Fatalf("err = %v, want a *ValidationError", err)
			}
			if len(v.Fields) != 1 || v.Fields[0].Field != c.field {
				t.Errorf("fields %+v, want one error on %q", v.Fields, c.field)
			}
		})
	}
}
