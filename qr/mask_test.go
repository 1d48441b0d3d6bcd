package qr

import "testing"

func TestMaskAccount(t *testing.T) {
	tests := []struct {
		name    string
		account string
		visible int
		want    string
	}{
		{"issue example", "0011001234567", 4, "•••••••••4567"},
		{"nothing visible", "0011001234567", 0, "•••••••••••••"},
		{"negative counts as 0", "12345678", -2, "••••••••"},
		{"never more than half shown", "123456", 4, "•••456"},
		{"short account", "12", 4, "•2"},
		{"one character", "7", 4, "•"},
		{"alphanumeric", "VQRQAFGHB3790", 4, "•••••••••3790"},
		{"empty", "", 4, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := MaskAccount(tt.account, tt.visible); got != tt.want {
				t.Errorf("MaskAccount(%q, %d) = %q, want %q", tt.account, tt.visible, got, tt.want)
			}
		})
	}
}
