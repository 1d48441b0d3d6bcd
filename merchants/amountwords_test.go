package merchants_test

import (
	"testing"

	"github.com/sapqr/sapqr/merchants"
)

// TestAmountWords holds AmountWords to the reference table of
// ../shared/payments/README.md §8 and the published expectations it quotes
// (lẻ, nghìn, tư, tỷ, empty groups skipped, "đồng" appended).
func TestAmountWords(t *testing.T) {
	tests := []struct {
		amount int64
		want   string
	}{
		{0, "không đồng"},
		{5, "năm đồng"},
		{10, "mười đồng"},
		{15, "mười lăm đồng"},
		{21, "hai mươi mốt đồng"},
		{200, "hai trăm đồng"},
		{1_000, "một nghìn đồng"},
		{4_065, "bốn nghìn không trăm sáu mươi lăm đồng"},
		{10_000, "mười nghìn đồng"},
		{11_000, "mười một nghìn đồng"},
		{14_000, "mười bốn nghìn đồng"},
		{15_000, "mười lăm nghìn đồng"},
		{21_000, "hai mươi mốt nghìn đồng"},
		{24_000, "hai mươi tư nghìn đồng"},
		{25_000, "hai mươi lăm nghìn đồng"},
		{45_500, "bốn mươi lăm nghìn năm trăm đồng"},
		{100_000, "một trăm nghìn đồng"},
		{101_000, "một trăm lẻ một nghìn đồng"},
		{105_000, "một trăm lẻ năm nghìn đồng"},
		{115_000, "một trăm mười lăm nghìn đồng"},
		{150_000, "một trăm năm mươi nghìn đồng"},
		{200_000, "hai trăm nghìn đồng"},
		{1_000_000, "một triệu đồng"},
		{1_000_024, "một triệu không trăm hai mươi tư đồng"},
		{1_000_050, "một triệu không trăm năm mươi đồng"},
		{1_000_500, "một triệu năm trăm đồng"},
		{1_005_000, "một triệu không trăm lẻ năm nghìn đồng"},
		{1_050_000, "một triệu không trăm năm mươi nghìn đồng"},
		{2_277_000, "hai triệu hai trăm bảy mươi bảy nghìn đồng"},
		{2_500_000, "hai triệu năm trăm nghìn đồng"},
		{15_500_000, "mười lăm triệu năm trăm nghìn đồng"},
		{23_010_000, "hai mươi ba triệu không trăm mười nghìn đồng"},
		{700_000_231, "bảy trăm triệu hai trăm ba mươi mốt đồng"},
		{1_000_000_000, "một tỷ đồng"},
		{1_000_000_500, "một tỷ năm trăm đồng"},
		{1_234_567_000, "một tỷ hai trăm ba mươi tư triệu năm trăm sáu mươi bảy nghìn đồng"},
		{2_030_000_305, "hai tỷ không trăm ba mươi triệu ba trăm lẻ năm đồng"},
		{999_999_999_999, "chín trăm chín mươi chín tỷ chín trăm chín mươi chín triệu chín trăm chín mươi chín nghìn chín trăm chín mươi chín đồng"},
		{-1, ""},
		{1_000_000_000_000, ""},
	}
	for _, tt := range tests {
		if got := merchants.AmountWords(tt.amount); got != tt.want {
			t.Errorf("AmountWords(%d) = %q, want %q", tt.amount, got, tt.want)
		}
	}
}
