package tabular

import (
	"testing"
)

func TestHeaderKey(t *testing.T) {
	tests := map[string]string{
		"Số điện thoại":  "so dien thoai",
		"SỐ ĐIỆN THOẠI":  "so dien thoai",
		"so_dien_thoai":  "so dien thoai",
		" Số ĐT (*) ":    "so dt",
		"Mã xã/phường":   "ma xa phuong",
		"Account Number": "account number",
		"":               "",
	}
	for in, want := range tests {
		if got := headerKey(in); got != want {
			t.Errorf("headerKey(%q) = %q, want %q", in, got, want)
		}
	}
}
