package merchants_test

import (
	"context"
	"errors"
	"testing"

	"github.com/sapqr/sapqr/merchants"
	mt "github.com/sapqr/sapqr/merchants/merchantstest"
)

// TestSignPrintPerStall checks that a vendor with two stalls has an
// outdated sign until both stalls got the current version, that each print
// is recorded with its stall, and that a stall the vendor does not hold is
// refused without a record.
func TestSignPrintPerStall(t *testing.T) {
	for _, db := range mt.Databases() {
		t.Run(db, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			s, _ := mt.NewServiceOn(t, db)
			a := mt.Admin()
			m := mt.Market(t, s, mt.CommuneA1, 5)
			v := mt.Vendor(t, s, m, "A-1", 1)
			other := mt.Vendor(t, s, m, "C-1", 2)
			r, err := s.AssignStall(ctx, a, v.ID, "A-2")
			if err != nil {
				t.Fatal(err)
			}
			second := r.Vendor.Stalls[1].StallID

			if _, err := s.RecordSignPrint(ctx, a, v.ID, merchants.SignNew); err != nil {
				t.Fatal(err)
			}
			got, err := s.Vendor(ctx, a, v.ID)
			if err != nil {
				t.Fatal(err)
			}
			if !got.SignOutdated() || got.SignPrintedVersion != 1 || got.Stalls[0].SignPrintedVersion != 1 || got.Stalls[1].SignPrintedVersion != 0 {
				t.Errorf("after printing the main stall's sign: outdated %v, printed %d, stalls %+v; want outdated (A-2 has none)",
					got.SignOutdated(), got.SignPrintedVersion, got.Stalls)
			}

			before, err := s.SignRecords(ctx, a, v.ID)
			if err != nil {
				t.Fatal(err)
			}
			_, err = s.RecordSignPrint(ctx, a, v.ID, merchants.SignNew, second, other.StallID)
			var ve *merchants.ValidationError
			if !errors.As(err, &ve) || len(ve.Fields) != 1 || ve.Fields[0].Field != "stall_id" {
				t.Fatalf("print for another vendor's stall: %v, want a stall_id validation error", err)
			}
			if after, _ := s.SignRecords(ctx, a, v.ID); len(after) != len(before) {
				t.Errorf("a refused print wrote %d sign records", len(after)-len(before))
			}

			recs, err := s.RecordSignPrint(ctx, a, v.ID, merchants.SignNew, second)
			if err != nil {
				t.Fatal(err)
			}
			if len(recs) != 1 || recs[0].StallID != second || !recs[0].Printed || recs[0].Version != 1 {
				t.Errorf("records %+v, want one printed v1 for stall %d", recs, second)
			}
			if got, _ = s.Vendor(ctx, a, v.ID); got.SignOutdated() {
				t.Errorf("both stalls printed, still outdated: %+v", got.Stalls)
			}
		})
	}
}
