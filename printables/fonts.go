package printables

import (
	"embed"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"unicode"

	"github.com/jung-kurt/gofpdf"
)

// The sign font is Noto Sans (SIL Open Font License 1.1, see fonts/OFL.txt),
// embedded so a sign renders the same on every machine.
//
//go:embed fonts/NotoSans-Regular.ttf fonts/NotoSans-Bold.ttf fonts/OFL.txt
var fontFiles embed.FS

// fontFamily is the family name the documents register the faces under.
const fontFamily = "notosans"

// face is one font face, parsed once: the cut-down TrueType file handed to
// every document and the advance widths used for layout, in the same
// thousandths of an em gofpdf uses, so measured and drawn text agree.
type face struct {
	ttf    []byte
	widths map[rune]int
}

// fonts holds the two faces a sign uses.
type fonts struct {
	regular, bold face
}

// loadFonts parses the embedded faces and cuts them down to the Unicode
// ranges a sign may use: Latin (with every Vietnamese letter precomposed),
// punctuation and currency signs. Each document then parses a small font
// instead of the whole of Noto Sans. Combining marks are left out on
// purpose: text is NFC-normalised first, and a mark that survives NFC would
// be drawn unattached, since gofpdf does no shaping.
func loadFonts() (fonts, error) {
	blocks := [...][2]rune{
		{0x0020, 0x007E}, // Basic Latin
		{0x00A0, 0x024F}, // Latin-1 Supplement, Latin Extended-A and -B
		{0x1E00, 0x1EFF}, // Latin Extended Additional (Vietnamese ạ…ỹ)
		{0x2000, 0x206F}, // General Punctuation (– — “ ” …)
		{0x20A0, 0x20CF}, // Currency Symbols (₫)
	}
	var fs fonts
	for _, f := range []struct {
		name string
		dst  *face
	}{
		{"fonts/NotoSans-Regular.ttf", &fs.regular},
		{"fonts/NotoSans-Bold.ttf", &fs.bold},
	} {
		raw, err := fontFiles.ReadFile(f.name)
		if err != nil {
			return fonts{}, fmt.Errorf("printables: reading %s: %w", f.name, err)
		}
		widths, err := parseWidths(raw)
		if err != nil {
			return fonts{}, fmt.Errorf("printables: parsing %s: %w", f.name, err)
		}
		cut := make([]rune, 0, len(widths))
		for _, b := range blocks {
			for r := b[0]; r <= b[1]; r++ {
				if _, ok := widths[r]; ok {
					cut = append(cut, r)
				}
			}
		}
		kept := make(map[rune]int, len(cut))
		for _, r := range cut {
			kept[r] = widths[r]
		}
		ttf := gofpdf.UTF8CutFont(raw, string(cut))
		if len(ttf) == 0 {
			return fonts{}, fmt.Errorf("printables: cutting %s produced no font", f.name)
		}
		*f.dst = face{ttf: ttf, widths: kept}
	}
	return fs, nil
}

// width is the advance width of s at size pt, in millimetres.
func (f face) width(s string, pt float64) float64 {
	units := 0
	for _, r := range s {
		units += f.widths[r]
	}
	return float64(units) * pt / 1000 * mmPerPt
}

// GlyphError reports a rune the sign font cannot draw. It is returned
// before anything is drawn, so a sign never shows an empty box.
type GlyphError struct {
	Field string // the Sign field holding the rune, e.g. "Vendor"
	Rune  rune
}

func (e *GlyphError) Error() string {
	return fmt.Sprintf("printables: %s: %U %q cannot be drawn: the sign font (Noto Sans) is limited to Latin letters with Vietnamese diacritics, punctuation and currency signs", e.Field, e.Rune, e.Rune)
}

// check returns a *GlyphError naming the first rune of s that both faces
// cannot draw. Control characters are refused the same way.
func (fs fonts) check(field, s string) error {
	for _, r := range s {
		_, inRegular := fs.regular.widths[r]
		_, inBold := fs.bold.widths[r]
		if !inRegular || !inBold || unicode.IsControl(r) {
			return &GlyphError{Field: field, Rune: r}
		}
	}
	return nil
}

// parseWidths reads a TrueType file's character map (formats 4 and 12)
// and horizontal metrics and returns each mapped rune's advance width in
// thousandths of an em, rounded the way gofpdf rounds them.
func parseWidths(ttf []byte) (map[rune]int, error) {
	tables, err := ttfTables(ttf)
	if err != nil {
		return nil, err
	}
	head, hhea, hmtx, cmap := tables["head"], tables["hhea"], tables["hmtx"], tables["cmap"]
	if len(head) < 54 || len(hhea) < 36 || cmap == nil || hmtx == nil {
		return nil, errors.New("missing or short head, hhea, hmtx or cmap table")
	}
	unitsPerEm := float64(binary.BigEndian.Uint16(head[18:]))
	nMetrics := int(binary.BigEndian.Uint16(hhea[34:]))
	if unitsPerEm == 0 || nMetrics == 0 || len(hmtx) < 4*nMetrics {
		return nil, errors.New("bad unitsPerEm or horizontal metrics")
	}
	advance := func(glyph int) int {
		if glyph >= nMetrics {
			glyph = nMetrics - 1 // the last advance repeats for the rest
		}
		aw := float64(binary.BigEndian.Uint16(hmtx[4*glyph:]))
		return int(math.Round(aw * 1000 / unitsPerEm))
	}
	glyphs, err := parseCmap(cmap)
	if err != nil {
		return nil, err
	}
	widths := make(map[rune]int, len(glyphs))
	for r, g := range glyphs {
		if g != 0 {
			widths[r] = advance(g)
		}
	}
	return widths, nil
}

// ttfTables splits a TrueType file into its tables by tag.
func ttfTables(ttf []byte) (map[string][]byte, error) {
	if len(ttf) < 12 {
		return nil, errors.New("too short for a TrueType header")
	}
	n := int(binary.BigEndian.Uint16(ttf[4:]))
	if len(ttf) < 12+16*n {
		return nil, errors.New("truncated table directory")
	}
	tables := make(map[string][]byte, n)
	for i := range n {
		rec := ttf[12+16*i:]
		off, length := binary.BigEndian.Uint32(rec[8:]), binary.BigEndian.Uint32(rec[12:])
		if uint64(off)+uint64(length) > uint64(len(ttf)) {
			return nil, fmt.Errorf("table %q runs past the end of the file", rec[:4])
		}
		tables[string(rec[:4])] = ttf[off : off+length]
	}
	return tables, nil
}

// maxMappings bounds the characters a cmap may map, so a damaged table
// cannot make parsing run away; Noto Sans maps about 3,000.
const maxMappings = 1 << 16

// parseCmap returns rune → glyph index from the best Unicode subtable:
// format 12 (full Unicode) when present, else format 4 (BMP).
func parseCmap(cmap []byte) (map[rune]int, error) {
	if len(cmap) < 4 {
		return nil, errors.New("short cmap")
	}
	var best []byte
	bestFormat := uint16(0)
	n := int(binary.BigEndian.Uint16(cmap[2:]))
	for i := range n {
		rec := 4 + 8*i
		if rec+8 > len(cmap) {
			return nil, errors.New("truncated cmap directory")
		}
		platform, encoding := binary.BigEndian.Uint16(cmap[rec:]), binary.BigEndian.Uint16(cmap[rec+2:])
		unicodeSub := platform == 0 || (platform == 3 && (encoding == 1 || encoding == 10))
		off := int(binary.BigEndian.Uint32(cmap[rec+4:]))
		if !unicodeSub || off+4 > len(cmap) {
			continue
		}
		format := binary.BigEndian.Uint16(cmap[off:])
		if (format == 12 || format == 4) && format > bestFormat {
			best, bestFormat = cmap[off:], format
		}
	}
	switch bestFormat {
	case 12:
		return cmapFormat12(best)
	case 4:
		return cmapFormat4(best)
	}
	return nil, errors.New("no Unicode cmap subtable of format 4 or 12")
}

func cmapFormat4(t []byte) (map[rune]int, error) {
	if len(t) < 14 {
		return nil, errors.New("short cmap format 4")
	}
	segs := int(binary.BigEndian.Uint16(t[6:])) / 2
	ends, starts, deltas, offsets := 14, 16+2*segs, 16+4*segs, 16+6*segs
	if len(t) < offsets+2*segs {
		return nil, errors.New("truncated cmap format 4")
	}
	u16 := func(at int) int { return int(binary.BigEndian.Uint16(t[at:])) }
	m := make(map[rune]int)
	for s := range segs {
		end, start, delta, ro := u16(ends+2*s), u16(starts+2*s), u16(deltas+2*s), u16(offsets+2*s)
		if end >= start && len(m)+end-start > maxMappings {
			return nil, errors.New("cmap format 4 maps too many characters")
		}
		for c := start; c <= end && c != 0xFFFF; c++ {
			g := 0
			if ro == 0 {
				g = (c + delta) & 0xFFFF
			} else {
				at := offsets + 2*s + ro + 2*(c-start)
				if at+2 > len(t) {
					return nil, errors.New("cmap format 4 glyph index out of range")
				}
				if g = u16(at); g != 0 {
					g = (g + delta) & 0xFFFF
				}
			}
			if g != 0 {
				m[rune(c)] = g
			}
		}
	}
	return m, nil
}

func cmapFormat12(t []byte) (map[rune]int, error) {
	if len(t) < 16 {
		return nil, errors.New("short cmap format 12")
	}
	groups := int(binary.BigEndian.Uint32(t[12:]))
	if len(t) < 16+12*groups {
		return nil, errors.New("truncated cmap format 12")
	}
	m := make(map[rune]int)
	for i := range groups {
		g := t[16+12*i:]
		start, end, glyph := binary.BigEndian.Uint32(g), binary.BigEndian.Uint32(g[4:]), binary.BigEndian.Uint32(g[8:])
		if end < start || end > unicode.MaxRune {
			return nil, errors.New("bad cmap format 12 group")
		}
		if len(m)+int(end-start) > maxMappings {
			return nil, errors.New("cmap format 12 maps too many characters")
		}
		for c := start; c <= end; c++ {
			m[rune(c)] = int(glyph + c - start)
		}
	}
	return m, nil
}
