package printables

import (
	"bytes"
	"cmp"
	"compress/zlib"
	"embed"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"
	"unicode"

	"github.com/jung-kurt/gofpdf"

	"github.com/sapqr/sapqr/qr"
)

// The sign font is Noto Sans (SIL Open Font License 1.1, see fonts/OFL.txt),
// embedded so a sign renders the same on every machine.
//
//go:embed fonts/NotoSans-Regular.ttf fonts/NotoSans-Bold.ttf fonts/OFL.txt
var fontFiles embed.FS

// fontFamily is the family name the documents register the faces under;
// each code page adds its number (notosans0, notosans1).
const fontFamily = "notosans"

// How the faces reach a PDF. gofpdf's Unicode font path parses and
// subsets the whole TrueType file again in every document, which costs
// several milliseconds per sign. Instead the faces are cut down once to
// the runes a sign may use and embedded as simple TrueType fonts: each
// code page maps ASCII to itself and up to 129 further runes to the codes
// 127–255, named uniXXXX in the encoding's Differences so viewers and
// text extraction get the Unicode value back. A line of text is drawn as
// runs of one code page; Vietnamese needs two pages.
const (
	firstPageCode = 127
	codesPerPage  = 256 - firstPageCode
)

// face is one font face, prepared once: its advance widths for layout (in
// the thousandths of an em the PDF widths use, so measured and drawn text
// agree), the compressed cut-down font file and one gofpdf font definition
// per code page.
type face struct {
	widths map[rune]int
	z      []byte   // zlib-compressed TrueType file
	defs   [][]byte // gofpdf JSON font definition per code page
}

// code is where a rune sits: its code page and its byte in that page.
type code struct {
	page int
	b    byte
}

// fonts holds the two faces a sign uses and the code pages they share.
type fonts struct {
	regular, bold face
	codes         map[rune]code // every rune a sign may use; ASCII is in every page, as page -1
	pages         int
}

// repertoire returns the runes beyond ASCII a sign may use, which are
// those qr.Printable accepts (qr.SignRunes), in code-page order: lower-case
// Vietnamese letters and common punctuation first (most text then stays
// on page 0), then upper-case Vietnamese, then the rest of Latin-1.
// Combining marks are not among them on purpose: text is NFC-normalised
// first, and a mark that survives NFC would be drawn unattached, since
// nothing here shapes text.
func repertoire() []rune {
	vietnamese := func(r rune) bool {
		switch {
		case r >= 0x1EA0 && r <= 0x1EF9:
			return true
		case strings.ContainsRune("ĂăĐđĨĩŨũƠơƯư", r):
			return true
		}
		return strings.ContainsRune("ÀÁÂÃÈÉÊÌÍÒÓÔÕÙÚÝàáâãèéêìíòóôõùúý", r)
	}
	var all []rune
	for _, r := range qr.SignRunes() {
		if r >= 0x80 { // ASCII is on every code page
			all = append(all, r)
		}
	}
	rank := func(r rune) int {
		switch {
		case vietnamese(r) && unicode.IsLower(r):
			return 0
		case strings.ContainsRune("–—‘’“”•…₫·", r):
			return 1
		case vietnamese(r):
			return 2
		}
		return 3
	}
	slices.SortStableFunc(all, func(a, b rune) int { return cmp.Or(rank(a)-rank(b), int(a-b)) })
	return all
}

// loadFonts parses the embedded faces, cuts them down to the repertoire
// and builds their code pages.
func loadFonts() (fonts, error) {
	raw := map[string][]byte{}
	for _, name := range []string{"NotoSans-Regular", "NotoSans-Bold"} {
		b, err := fontFiles.ReadFile("fonts/" + name + ".ttf")
		if err != nil {
			return fonts{}, fmt.Errorf("printables: reading %s: %w", name, err)
		}
		raw[name] = b
	}
	// The repertoire is what both faces can draw.
	regularWidths, err := parseWidths(raw["NotoSans-Regular"])
	if err != nil {
		return fonts{}, fmt.Errorf("printables: parsing NotoSans-Regular: %w", err)
	}
	boldWidths, err := parseWidths(raw["NotoSans-Bold"])
	if err != nil {
		return fonts{}, fmt.Errorf("printables: parsing NotoSans-Bold: %w", err)
	}
	fs := fonts{codes: map[rune]code{}}
	var extra []rune
	for _, r := range repertoire() {
		if regularWidths[r] > 0 && boldWidths[r] > 0 {
			extra = append(extra, r)
		}
	}
	for r := rune(0x20); r < 0x7F; r++ {
		fs.codes[r] = code{page: -1, b: byte(r)}
	}
	for i, r := range extra {
		fs.codes[r] = code{page: i / codesPerPage, b: byte(firstPageCode + i%codesPerPage)}
	}
	fs.pages = (len(extra) + codesPerPage - 1) / codesPerPage
	cutset := make([]rune, 0, len(fs.codes))
	for r := range fs.codes {
		cutset = append(cutset, r)
	}
	slices.Sort(cutset)

	for _, f := range []struct {
		name   string
		bold   bool
		widths map[rune]int
		dst    *face
	}{
		{"NotoSans-Regular", false, regularWidths, &fs.regular},
		{"NotoSans-Bold", true, boldWidths, &fs.bold},
	} {
		ttf := gofpdf.UTF8CutFont(raw[f.name], string(cutset))
		if len(ttf) == 0 {
			return fonts{}, fmt.Errorf("printables: cutting %s produced no font", f.name)
		}
		kept := make(map[rune]int, len(cutset))
		for _, r := range cutset {
			kept[r] = f.widths[r]
		}
		var z bytes.Buffer
		zw := zlib.NewWriter(&z)
		zw.Write(ttf)
		if err := zw.Close(); err != nil {
			return fonts{}, err
		}
		defs := make([][]byte, fs.pages)
		for page := range defs {
			if defs[page], err = fontDefinition(f.name, f.bold, ttf, kept, fs.codes, page); err != nil {
				return fonts{}, fmt.Errorf("printables: %s: %w", f.name, err)
			}
		}
		*f.dst = face{widths: kept, z: z.Bytes(), defs: defs}
	}
	return fs, nil
}

// fontDefinition returns gofpdf's JSON definition of a simple TrueType font
// for one code page of a cut-down face: metrics from the font's tables,
// widths per code and the Differences naming each code's rune.
func fontDefinition(name string, bold bool, ttf []byte, widths map[rune]int, codes map[rune]code, page int) ([]byte, error) {
	tables, err := ttfTables(ttf)
	if err != nil {
		return nil, err
	}
	head, hhea, post := tables["head"], tables["hhea"], tables["post"]
	if len(head) < 54 || len(hhea) < 36 || len(post) < 12 {
		return nil, errors.New("missing or short head, hhea or post table")
	}
	i16 := func(b []byte, at int) int { return int(int16(binary.BigEndian.Uint16(b[at:]))) }
	upem := float64(binary.BigEndian.Uint16(head[18:]))
	scale := func(v int) int { return int(math.Round(float64(v) * 1000 / upem)) }
	capHeight := scale(i16(hhea, 4)) // ascender, unless OS/2 says better
	if os2 := tables["OS/2"]; len(os2) >= 90 && binary.BigEndian.Uint16(os2) >= 2 {
		capHeight = scale(i16(os2, 88))
	}
	stemV := 80
	if bold {
		stemV = 120
	}
	type box struct{ Xmin, Ymin, Xmax, Ymax int }
	type desc struct {
		Ascent, Descent, CapHeight, Flags int
		FontBBox                          box
		ItalicAngle, StemV, MissingWidth  int
	}
	// The field names are gofpdf's font definition format.
	def := struct {
		Tp, Name     string
		Desc         desc
		Up, Ut       int
		Cw           []int
		Enc, Diff    string
		File         string
		OriginalSize int
	}{
		Tp:   "TrueType",
		Name: subsetTag(bold) + name,
		Desc: desc{
			Ascent: scale(i16(hhea, 4)), Descent: scale(i16(hhea, 6)), CapHeight: capHeight,
			Flags:        32, // nonsymbolic: codes map through the encoding to Unicode
			FontBBox:     box{scale(i16(head, 36)), scale(i16(head, 38)), scale(i16(head, 40)), scale(i16(head, 42))},
			ItalicAngle:  i16(post, 4),
			StemV:        stemV,
			MissingWidth: widths[' '],
		},
		Up:           scale(i16(post, 8)),
		Ut:           scale(i16(post, 10)),
		Cw:           make([]int, 256),
		Enc:          fmt.Sprintf("sapqr-%d", page),
		File:         strings.ToLower(name) + ".z", // gofpdf embeds a file ending in .z as compressed
		OriginalSize: len(ttf),
	}
	names := make([]string, codesPerPage)
	for r, c := range codes {
		switch {
		case c.page == -1:
			def.Cw[c.b] = widths[r]
		case c.page == page:
			def.Cw[c.b] = widths[r]
			names[int(c.b)-firstPageCode] = fmt.Sprintf("/uni%04X", r)
		}
	}
	var diff strings.Builder
	fmt.Fprintf(&diff, "%d", firstPageCode)
	for _, n := range names {
		if n == "" {
			n = "/.notdef"
		}
		diff.WriteString(" " + n)
	}
	def.Diff = diff.String()
	return json.Marshal(def)
}

// width is the advance width of s at size pt, in millimetres.
func (f face) width(s string, pt float64) float64 {
	units := 0
	for _, r := range s {
		units += f.widths[r]
	}
	return float64(units) * pt / 1000 * mmPerPt
}

// segment is a run of text in one code page, ready for the PDF.
type segment struct {
	page  int
	text  string // bytes in the page's encoding
	units int    // advance width in thousandths of an em
}

// segments splits s (every rune in the repertoire, as validate ensures) into
// runs of one code page, measured in face f. ASCII joins whichever run it
// is in.
func (fs fonts) segments(f face, s string) []segment {
	var segs []segment
	buf := make([]byte, 0, len(s))
	page, units := -1, 0
	for _, r := range s {
		c := fs.codes[r]
		if c.page != -1 && c.page != page {
			if page != -1 && len(buf) > 0 {
				segs = append(segs, segment{max(page, 0), string(buf), units})
				buf, units = buf[:0], 0
			}
			page = c.page
		}
		buf = append(buf, c.b)
		units += f.widths[r]
	}
	if len(buf) > 0 {
		segs = append(segs, segment{max(page, 0), string(buf), units})
	}
	return segs
}

// GlyphError reports a rune no sign prints (qr.Printable refuses it: the
// sign font cannot draw it, or it is a control or format character). It
// is returned before anything is drawn, so a sign never shows an empty
// box.
type GlyphError struct {
	Field string // the Sign field holding the rune, e.g. "Vendor"
	Rune  rune
}

func (e *GlyphError) Error() string {
	return fmt.Sprintf("printables: %s: %U %q cannot be drawn: signs print Vietnamese and other Latin-1 letters, common punctuation and ₫ (Noto Sans)", e.Field, e.Rune, e.Rune)
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

// subsetTag is the six-letter prefix PDF gives the name of a font that is
// a subset of the original (ISO 32000-1 §9.6.4); fixed, so output stays
// deterministic.
func subsetTag(bold bool) string {
	if bold {
		return "SAPQRB+"
	}
	return "SAPQRR+"
}
