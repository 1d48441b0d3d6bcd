package printables

import (
	"fmt"
	"sync"
	"testing"
	"time"
)

// printed is the fixed print date of every test sign.
var printed = time.Date(2026, 11, 23, 9, 30, 0, 0, time.UTC)

// vendorSign is the sign the issue describes.
func vendorSign() Sign {
	return Sign{
		Market:  "Chợ Bộc Bố",
		Stall:   "A-12",
		Vendor:  "Nguyễn Thị Hà",
		BIN:     "970436",
		Account: "0011001234567",
		Holder:  "NGUYEN THI HA",
		Version: 1,
		Printed: printed,
	}
}

// feeSign is a market-fee sign for the same stall: the market board's
// account with a per-stall purpose.
func feeSign() Sign {
	return Sign{
		Market:  "Chợ Bộc Bố",
		Stall:   "A-12",
		BIN:     "970405",
		Account: "3100205556789",
		Holder:  "BAN QUAN LY CHO BOC BO",
		Purpose: "PHI CHO A12",
		Version: 2,
		Printed: printed,
	}
}

// longSign has every text at its longest allowed length, in wide letters.
func longSign() Sign {
	return Sign{
		Market:  cut("Chợ Đầu Mối Nông Sản Thực Phẩm Bình Điền – Khu Chợ Tạm Phường Bình Đông, Thành Phố Hồ Chí Minh", maxMarketRunes),
		Stall:   cut("KHU-B-TẦNG-MƯỜI-HAI", maxStallRunes),
		Vendor:  cut("Tôn Nữ Thị Hoàng Phượng Quỳnh Như Ngọc Ánh (bán rau củ quả sạch Đà Lạt)", maxVendorRunes),
		BIN:     "970415",
		Account: "1234567890123456789",
		Holder:  cut("TON NU THI HOANG PHUONG QUYNH NHU NGOC ANH MMMMMMMMMMMM", maxHolderRunes),
		Version: 12,
		Printed: printed,
	}
}

// marketSigns returns n distinct vendor signs of one market.
func marketSigns(n int) []Sign {
	first := []string{"Nguyễn Thị Hà", "Trần Văn Đức", "Lê Thị Ánh Tuyết", "Phạm Quốc Hưng", "Hoàng Thị Yến", "Đặng Minh Khôi"}
	holders := []string{"NGUYEN THI HA", "TRAN VAN DUC", "LE THI ANH TUYET", "PHAM QUOC HUNG", "HOANG THI YEN", "DANG MINH KHOI"}
	bins := []string{"970436", "970415", "970422", "970405"}
	signs := make([]Sign, n)
	for i := range signs {
		signs[i] = Sign{
			Market:  "Chợ Bến Thành",
			Stall:   fmt.Sprintf("%c-%03d", 'A'+i/250, i%250+1),
			Vendor:  first[i%len(first)],
			BIN:     bins[i%len(bins)],
			Account: fmt.Sprintf("%013d", 1001000000000+int64(i)*7919),
			Holder:  holders[i%len(holders)],
			Version: 1,
			Printed: printed,
		}
	}
	return signs
}

// testRenderer is parsed once for the whole test binary.
var testRenderer = sync.OnceValues(NewRenderer)

func renderer(tb testing.TB) *Renderer {
	tb.Helper()
	r, err := testRenderer()
	if err != nil {
		tb.Fatal(err)
	}
	return r
}

// cut returns the first n runes of s, failing loudly if s is shorter, so
// a fixture meant to be at a limit really is.
func cut(s string, n int) string {
	r := []rune(s)
	if len(r) < n {
		panic(fmt.Sprintf("fixture %q is shorter than %d runes", s, n))
	}
	return string(r[:n])
}
