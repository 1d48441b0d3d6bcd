package merchants_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/sapqr/sapqr/merchants"
	"github.com/sapqr/sapqr/merchants/gormstore"
	mt "github.com/sapqr/sapqr/merchants/merchantstest"
)

func TestListVendors(t *testing.T) {
	eachDB(t, func(t *testing.T, s *merchants.Service, st *gormstore.Store) {
		ctx := context.Background()
		a := mt.Admin()
		m := mt.Market(t, s, mt.CommuneA1, 20)
		mB := mt.Market(t, s, mt.CommuneB1, 20)
		names := []string{"Nguyễn Thị Hà", "Trần Văn Đức", "Lê Hà My", "Phạm Đình Hải", "Hoàng Thu Hà"}
		var ids []int64
		for i, n := range names {
			in := register(m, fmt.Sprintf("S-%d", i), i)
			in.FullName = n
			r, err := s.RegisterVendor(ctx, a, in)
			if err != nil {
				t.Fatal(err)
			}
			ids = append(ids, r.Vendor.ID)
		}
		b := mt.Vendor(t, s, mB, "B-1", 99)
		list := func(f merchants.VendorFilter) []int64 {
			t.Helper()
			var out []int64
			for {
				page, err := s.ListVendors(ctx, a, f)
				if err != nil {
					t.Fatal(err)
				}
				for _, v := range page.Vendors {
					out = append(out, v.ID)
				}
				if page.NextCursor == "" {
					return out
				}
				f.Cursor = page.NextCursor
			}
		}
		tests := []struct {
			name string
			f    merchants.VendorFilter
			want []int64
		}{
			{"market, pages of two", merchants.VendorFilter{MarketID: m.ID, Limit: 2}, ids},
			{"commune", merchants.VendorFilter{CommuneCode: mt.CommuneB1}, []int64{b.ID}},
			{"province", merchants.VendorFilter{ProvinceCode: mt.ProvinceA}, ids},
			// Search folds diacritics on both sides: "Hà" also finds "Hải".
			{"name with diacritics", merchants.VendorFilter{MarketID: m.ID, Q: "Hà"}, []int64{ids[0], ids[2], ids[3], ids[4]}},
			{"name without diacritics", merchants.VendorFilter{MarketID: m.ID, Q: "ha"}, []int64{ids[0], ids[2], ids[3], ids[4]}},
			{"decomposed input", merchants.VendorFilter{MarketID: m.ID, Q: "Hoàng"}, []int64{ids[4]}},
			{"đ without diacritics", merchants.VendorFilter{Q: "duc"}, []int64{ids[1]}},
			{"full name, other case", merchants.VendorFilter{Q: "NGUYEN THI HA"}, []int64{ids[0], b.ID}},
			{"phone in another form", merchants.VendorFilter{Q: "+84 912 300 003"}, []int64{ids[3]}},
			{"wildcards are literal", merchants.VendorFilter{Q: "%"}, nil},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				if diff := cmp.Diff(tt.want, list(tt.f)); diff != "" {
					t.Errorf("vendor IDs (-want +got):\n%s", diff)
				}
			})
		}
		t.Run("bad cursor and limit", func(t *testing.T) {
			_, err := s.ListVendors(ctx, a, merchants.VendorFilter{Cursor: "nope", Limit: 100_000})
			if diff := cmp.Diff([]string{"cursor", "limit"}, fields(t, err)); diff != "" {
				t.Error(diff)
			}
		})
	})
}
