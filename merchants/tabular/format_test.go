package tabular

import (
	"strings"
	"testing"
)

func TestFormatOf(t *testing.T) {
	tests := []struct {
		name    string
		want    Format
		wantErr string
	}{
		{"vendors.csv", CSV, ""},
		{"CHO.XLSX", XLSX, ""},
		{"old.xls", "", "save it as .xlsx"},
		{"notes.pdf", "", `unknown extension ".pdf"`},
	}
	for _, tt := range tests {
		got, err := FormatOf(tt.name)
		if got != tt.want || (err == nil) != (tt.wantErr == "") || (err != nil && !strings.Contains(err.Error(), tt.wantErr)) {
			t.Errorf("FormatOf(%q) = %q, %v; want %q, %q", tt.name, got, err, tt.want, tt.wantErr)
		}
	}
}
