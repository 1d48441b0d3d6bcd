package merchants

import (
	"bytes"
	"slices"
	"testing"

	"github.com/sapqr/sapqr/merchants/tabular"
)

// FuzzVendorRows reads arbitrary CSV as a vendors file and checks every
// row as an import does, without a database: nothing panics, and every
// problem names a column of VendorColumns, so a report can point at it.
func FuzzVendorRows(f *testing.F) {
	f.Add([]byte("Mã chợ,Mã xã,Mã sạp,Họ và tên,SĐT,Ngân hàng,Số tài khoản,Tên chủ tài khoản,Đồng ý\n" +
		"BD,00004,A-01,Nguyễn Thị Hà,0912345678,VCB,0011001234567,NGUYEN THI HA,có\n"))
	f.Add([]byte("stall_code,full_name,phone,bin,account_number,holder_name,consent,confirmation\n" +
		"A,x,+84 912 345 678,970436,1 2 3,Nguyễn,x,chuyển khoản thử\n,,,,,,,\n"))
	f.Add([]byte("stall_code,full_name,phone,bank,account_number,holder_name,consent\nA,B,0,??,••••1,\x00,no\n"))
	f.Add([]byte("stall_code,full_name,phone,bin,account_number,holder_name,consent\n\"A-1, A-2;;a-1\",Hà,0912345678,970436,1,HA,x\n\" ,;\",x,0,1,1,x,x\n"))
	keys := []string{"row", "market", "market_id"}
	for _, c := range VendorColumns {
		keys = append(keys, c.Key)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		r, err := tabular.NewReader(bytes.NewReader(data), tabular.CSV, VendorColumns)
		if err != nil {
			return
		}
		defer r.Close()
		for {
			row, err := r.Next()
			if err != nil {
				return
			}
			var p problems
			checkVendorRow(&p, row)
			for _, fe := range p {
				name := fe.Field
				if k, ok := vendorFieldColumns[name]; ok {
					name = k
				}
				if !slices.Contains(keys, name) || fe.Message == "" {
					t.Fatalf("line %d: problem %q: %q names no column", row.Line, fe.Field, fe.Message)
				}
			}
		}
	})
}
