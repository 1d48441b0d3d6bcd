package printables

import (
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/sapqr/sapqr/qr"
)

// Layout constants, all in this file (each text block's sizes are at the
// top of layoutSign). A sign is laid out once in A6 millimetres and scaled
// to A5 and A4, so the three sizes look alike and text wraps the same way
// on each.
const (
	mmPerPt = 25.4 / 72

	// A6 portrait, the base every size scales from.
	baseWidth  = 105.0
	baseHeight = 148.0
	baseMargin = 7.0 // inside the sign edge; wider than a home printer's unprintable border

	// Vertical rhythm.
	lineHeightEm = 1.32 // line pitch; Noto's stacked Vietnamese marks (Ấ, Ỗ) need more than 1.2
	baselineEm   = 1.04 // baseline below a line's top
	blockGap     = 1.6  // between text blocks
	qrGap        = 2.0  // between the QR and the text above and below it

	// The QR symbol, quiet zone included.
	qrMaxSide    = 70.0 // at A6
	qrMinSide    = 40.0 // below this the layout is refused rather than cramped
	quietModules = 4    // the quiet zone ISO/IEC 18004 asks for
	minModuleMM  = 0.6  // smallest module printed at any size

	// Which digits of the account stay visible when the caller does not say.
	defaultVisibleDigits = 4

	// Input limits (runes), generous for real names and small enough that the
	// longest allowed text still fits its block at the smallest font size.
	// The names' limits are qr's, so that the domain checks its inputs with
	// the printer's own rule (qr.CheckPrintable).
	maxMarketRunes  = qr.MaxSignMarket
	maxStallRunes   = qr.MaxSignStall
	maxVendorRunes  = qr.MaxSignVendor
	maxBankRunes    = qr.MaxSignBank
	maxHolderRunes  = qr.MaxSignHolder
	maxPurposeRunes = 25 // the VietQR limit of tag 62/08

	// Cut marks on n-up sheets.
	cutMarkLen   = 5.0 // ticks at the sheet edge
	cutCrossArm  = 3.0 // half-length of the cross where four signs meet
	cutLineWidth = 0.2
	cutMarkGray  = 110
)

// textStyle is how one text block is set: its face, the largest and
// smallest size it may take, how many lines it may wrap to and its gray
// level (0 black).
type textStyle struct {
	bold         bool
	maxPt, minPt float64
	maxLines     int
	gray         int
}

// Fixed wording printed on every sign.
const (
	guidanceText = "Quét mã bằng ứng dụng ngân hàng – nhập số tiền – kiểm tra tên người nhận trước khi chuyển"
	feeTitleText = "Nộp phí chợ"
)

// rect is a box in millimetres from a sign's top-left corner.
type rect struct{ x, y, w, h float64 }

func (r rect) bottom() float64 { return r.y + r.h }

// textBlock is one block of centred text, already wrapped and sized.
type textBlock struct {
	lines []string
	bold  bool
	pt    float64
	gray  int
	box   rect
}

// signLayout is where everything on a sign goes, in A6 millimetres.
type signLayout struct {
	blocks []textBlock
	qr     rect // the QR symbol including its quiet zone
}

// blockSpec is a text block to place: the field it comes from (for
// errors), its text and its style.
type blockSpec struct {
	field string
	text  string
	style textStyle
}

// layoutSign places a validated sign's text and its QR of the given module
// count (quiet zone excluded): header blocks flow down from the top margin,
// bank and guidance blocks up from the bottom margin, and the QR takes the
// space between them, so text and code never overlap. It returns a
// *FieldError when a text cannot fit its block even at its smallest size,
// or when the QR would be smaller than the layout allows.
func layoutSign(fs fonts, s Sign, masked string, modules int) (signLayout, error) {
	top := []blockSpec{
		{"Market", s.Market, textStyle{bold: true, maxPt: 12, minPt: 7.5, maxLines: 2}},
		{"Stall", "Sạp " + s.Stall, textStyle{bold: true, maxPt: 20, minPt: 12, maxLines: 1}},
	}
	if s.Vendor != "" {
		top = append(top, blockSpec{"Vendor", s.Vendor, textStyle{bold: true, maxPt: 14, minPt: 8, maxLines: 2}})
	}
	if s.Fee() {
		top = append(top, blockSpec{"Purpose", feeTitleText, textStyle{bold: true, maxPt: 12, minPt: 9, maxLines: 1}})
	}
	bottom := []blockSpec{
		{"BankShort", s.BankShort, textStyle{bold: true, maxPt: 9.5, minPt: 7, maxLines: 1}},
	}
	if s.BankName != "" {
		bottom = append(bottom, blockSpec{"BankName", s.BankName, textStyle{maxPt: 7, minPt: 5.5, maxLines: 2, gray: 60}})
	}
	bottom = append(bottom,
		blockSpec{"Account", "Số tài khoản: " + masked, textStyle{maxPt: 9, minPt: 7, maxLines: 1}},
		blockSpec{"Holder", "Người nhận: " + s.Holder, textStyle{bold: true, maxPt: 9.5, minPt: 6.5, maxLines: 2}},
	)
	if s.Fee() {
		bottom = append(bottom, blockSpec{"Purpose", "Nội dung: " + s.Purpose, textStyle{bold: true, maxPt: 9, minPt: 7, maxLines: 1}})
	}
	bottom = append(bottom,
		blockSpec{"guidance", guidanceText, textStyle{maxPt: 7.5, minPt: 6, maxLines: 3, gray: 40}},
		blockSpec{"footer", fmt.Sprintf("Phiên bản %d · In ngày %s", s.Version, s.Printed.Format("02/01/2006")), textStyle{maxPt: 5.5, minPt: 4.5, maxLines: 1, gray: 110}},
	)

	width := baseWidth - 2*baseMargin
	var l signLayout
	y := baseMargin
	for _, b := range top {
		tb, err := fs.fit(b, width)
		if err != nil {
			return signLayout{}, err
		}
		tb.box = rect{baseMargin, y, width, tb.box.h}
		l.blocks = append(l.blocks, tb)
		y += tb.box.h + blockGap
	}
	qrTop := y - blockGap + qrGap
	placed := make([]textBlock, len(bottom))
	yb := baseHeight - baseMargin
	for i := len(bottom) - 1; i >= 0; i-- {
		tb, err := fs.fit(bottom[i], width)
		if err != nil {
			return signLayout{}, err
		}
		yb -= tb.box.h
		tb.box = rect{baseMargin, yb, width, tb.box.h}
		placed[i] = tb
		yb -= blockGap
	}
	l.blocks = append(l.blocks, placed...)
	qrBottom := yb + blockGap - qrGap

	side := min(qrMaxSide, width, qrBottom-qrTop)
	if side < qrMinSide {
		return signLayout{}, &FieldError{Field: "sign", Message: fmt.Sprintf("the text leaves %.1f mm for the QR; at least %.0f mm are needed: shorten the market, vendor or bank names", side, qrMinSide)}
	}
	if module := side / float64(modules+2*quietModules); module < minModuleMM {
		return signLayout{}, &FieldError{Field: "Account", Message: fmt.Sprintf("the payload needs %d modules, %.2f mm each at A6, below the %.1f mm minimum", modules, module, minModuleMM)}
	}
	l.qr = rect{(baseWidth - side) / 2, qrTop + (qrBottom-qrTop-side)/2, side, side}
	return l, nil
}

// fit wraps and, when needed, shrinks a block's text to at most its
// maximum number of lines of the given width, trying sizes from the
// largest down in quarter points. It returns a *FieldError when even the
// smallest size does not fit.
func (fs fonts) fit(b blockSpec, width float64) (textBlock, error) {
	f := fs.regular
	if b.style.bold {
		f = fs.bold
	}
	for pt := b.style.maxPt; pt >= b.style.minPt-1e-9; pt -= 0.25 {
		lines, ok := wrap(f, b.text, pt, width, b.style.maxLines)
		if ok {
			h := float64(len(lines)) * pt * lineHeightEm * mmPerPt
			return textBlock{lines: lines, bold: b.style.bold, pt: pt, gray: b.style.gray, box: rect{h: h}}, nil
		}
	}
	return textBlock{}, &FieldError{Field: b.field, Message: fmt.Sprintf("%q does not fit in %d line(s) even at %.1f pt; shorten it", b.text, b.style.maxLines, b.style.minPt)}
}

// wrap breaks text into lines no wider than width at size pt, between words
// where it can and inside a word only when the word alone is too wide. It
// reports false when more than maxLines lines are needed.
func wrap(f face, text string, pt, width float64, maxLines int) ([]string, bool) {
	var lines []string
	line := ""
	push := func(s string) bool {
		lines = append(lines, s)
		return len(lines) <= maxLines
	}
	for _, word := range strings.Fields(text) {
		candidate := word
		if line != "" {
			candidate = line + " " + word
		}
		if f.width(candidate, pt) <= width {
			line = candidate
			continue
		}
		if line != "" {
			if !push(line) {
				return nil, false
			}
			line = ""
		}
		for f.width(word, pt) > width {
			cut := fitPrefix(f, word, pt, width)
			if !push(word[:cut]) {
				return nil, false
			}
			word = word[cut:]
		}
		line = word
	}
	if line != "" && !push(line) {
		return nil, false
	}
	return lines, true
}

// fitPrefix returns the byte length of the longest prefix of word (at
// least one rune) no wider than width.
func fitPrefix(f face, word string, pt, width float64) int {
	end := 0
	for i, r := range word {
		next := i + utf8.RuneLen(r)
		if end > 0 && f.width(word[:next], pt) > width {
			break
		}
		end = next
	}
	return end
}
