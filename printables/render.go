package printables

import (
	"bytes"
	"crypto/sha256"
	"fmt"
	"hash"
	"io"
	"strconv"
	"time"

	"github.com/jung-kurt/gofpdf"
	"github.com/sapqr/sapqr/qr"
)

// Renderer draws signs. It holds the parsed fonts, so make one and share
// it: it is safe for concurrent use.
type Renderer struct {
	fonts fonts
	card  cardFonts // the same faces, for share cards
}

// NewRenderer parses the embedded fonts and prepares them for PDF (about
// 10 ms): call it once at start-up and share the Renderer. It returns an error only if the
// fonts are damaged, which the tests catch before release.
func NewRenderer() (*Renderer, error) {
	fs, err := loadFonts()
	if err != nil {
		return nil, err
	}
	cf, err := loadCardFonts()
	if err != nil {
		return nil, err
	}
	return &Renderer{fonts: fs, card: cf}, nil
}

// RenderSign writes a PDF with one sign to w: one page of opt.Size, or,
// with opt.Sheet, one A4 sheet with every cell holding a copy of the sign.
//
// Nothing is written unless the whole PDF is ready: invalid input returns
// a *FieldError or *GlyphError (several joined with errors.Join), a
// payload that does not decode back to the sign returns an error wrapping
// ErrSelfCheck, and an error from w is returned wrapped.
func (r *Renderer) RenderSign(w io.Writer, s Sign, opt Options) error {
	opt, err := opt.normalized()
	if err != nil {
		return err
	}
	p, err := r.prepare(s, opt)
	if err != nil {
		return err
	}
	d := r.newDocument(opt)
	copies := 1
	if opt.Sheet != SheetNone {
		copies = opt.Sheet.cells()
	}
	for range copies {
		d.add(p)
	}
	return d.output(w)
}

// Check reports whether s can be printed with opt, without drawing it or
// computing its QR: it returns the errors RenderSign returns for bad input
// (*FieldError, *GlyphError, joined when several), so a sign-up form or an
// import can refuse a name the sign font cannot show before it is stored.
func (r *Renderer) Check(s Sign, opt Options) error {
	if _, err := opt.normalized(); err != nil {
		return err
	}
	_, err := validate(normalize(s))
	return err
}

// prepared is a sign ready to draw: validated, its payload encoded and
// self-checked, its QR matrix computed once and its text laid out.
type prepared struct {
	sign    Sign
	payload string
	matrix  *qr.Matrix
	layout  signLayout
}

// prepare does everything for one sign that does not touch a document, so
// batches can run it on several cores.
func (r *Renderer) prepare(s Sign, opt Options) (*prepared, error) {
	s, err := validate(normalize(s))
	if err != nil {
		return nil, err
	}
	text, err := encode(payloadFor(s))
	if err != nil {
		return nil, err
	}
	m, err := qr.NewMatrix(text, qr.ECMedium)
	if err != nil {
		return nil, fmt.Errorf("printables: QR matrix: %w", err)
	}
	l, err := layoutSign(r.fonts, s, qr.MaskAccount(s.Account, opt.VisibleDigits), m.Size())
	if err != nil {
		return nil, err
	}
	return &prepared{sign: s, payload: text, matrix: m, layout: l}, nil
}

// cells is how many signs one sheet holds.
func (t Sheet) cells() int {
	switch t {
	case SheetA4x2:
		return 2
	case SheetA4x4:
		return 4
	}
	return 1
}

// document is one PDF being drawn.
type document struct {
	pdf     *gofpdf.Fpdf
	fonts   fonts
	opt     Options
	signs   int       // signs drawn
	created time.Time // the latest print date, the PDF's creation date
	title   string
	id      hash.Hash // over what was drawn, for the deterministic document ID
	buf     []byte    // reused for each QR's path
}

// newDocument starts an empty PDF for opt (normalised).
func (r *Renderer) newDocument(opt Options) *document {
	pdf := gofpdf.NewCustom(&gofpdf.InitType{UnitStr: "mm", Size: gofpdf.SizeType{Wd: 210, Ht: 297}})
	pdf.SetCatalogSort(true) // resources in a fixed order, so output is byte-stable
	pdf.SetAutoPageBreak(false, 0)
	pdf.SetMargins(0, 0, 0)
	pdf.SetProducer("SạpQR", true)
	pdf.SetCreator("SạpQR printables", true)
	for page := range r.fonts.pages {
		family := fontFamily + strconv.Itoa(page)
		pdf.AddFontFromBytes(family, "", r.fonts.regular.defs[page], r.fonts.regular.z)
		pdf.AddFontFromBytes(family, "B", r.fonts.bold.defs[page], r.fonts.bold.z)
	}
	return &document{pdf: pdf, fonts: r.fonts, opt: opt, id: sha256.New()}
}

// add draws p: on a page of its own, or in the next cell of the current
// sheet, starting a new sheet with cut marks when the last one is full.
func (d *document) add(p *prepared) {
	w, h := d.opt.Size.dims()
	scale := w / baseWidth
	var x, y float64
	switch d.opt.Sheet {
	case SheetNone:
		d.pdf.AddPageFormat("P", gofpdf.SizeType{Wd: w, Ht: h})
	default:
		cells := d.opt.Sheet.cells()
		cell := d.signs % cells
		sw, sh := d.opt.Sheet.dims()
		cols := 2
		rows := cells / cols
		if cell == 0 {
			// "P" takes the size as given; "L" would swap it.
			d.pdf.AddPageFormat("P", gofpdf.SizeType{Wd: sw, Ht: sh})
			d.cutMarks(sw, sh, cols, rows)
		}
		cw, ch := sw/float64(cols), sh/float64(rows)
		// Centre the sign in its cell: A4 is a hair larger than two A5s or four A6s.
		x = float64(cell%cols)*cw + (cw-w)/2
		y = float64(cell/cols)*ch + (ch-h)/2
	}
	// The scaled layout is a hair shorter than A5 and A4; centre it.
	y += (h - baseHeight*scale) / 2
	d.drawSign(p, x, y, scale)

	d.signs++
	if p.sign.Printed.After(d.created) {
		d.created = p.sign.Printed
	}
	if d.title == "" {
		d.title = "Biển QR – " + p.sign.Market
	}
	fmt.Fprintf(d.id, "%s\x00%s\x00%s\x00%s\x00%d\x00%s\x00", p.payload, p.sign.Market, p.sign.Stall, p.sign.Vendor, p.sign.Version, p.sign.Printed.Format(time.DateOnly))
}

// dims returns the sheet's width and height in millimetres.
func (t Sheet) dims() (w, h float64) {
	if t == SheetA4x2 {
		return 297, 210
	}
	return 210, 297
}

// drawSign draws p with its top-left corner at (x, y), scaled from A6.
func (d *document) drawSign(p *prepared, x, y, scale float64) {
	for _, b := range p.layout.blocks {
		f, style := d.fonts.regular, ""
		if b.bold {
			f, style = d.fonts.bold, "B"
		}
		d.pdf.SetTextColor(b.gray, b.gray, b.gray)
		size := b.pt * scale
		lineH := b.pt * lineHeightEm * mmPerPt
		for i, line := range b.lines {
			lx := x + (b.box.x+(b.box.w-f.width(line, b.pt))/2)*scale
			ly := y + (b.box.y+float64(i)*lineH+b.pt*baselineEm*mmPerPt)*scale
			for _, seg := range d.fonts.segments(f, line) {
				d.pdf.SetFont(fontFamily+strconv.Itoa(seg.page), style, size)
				d.pdf.Text(lx, ly, seg.text)
				lx += float64(seg.units) * size / 1000 * mmPerPt
			}
		}
	}
	q := p.layout.qr
	d.drawQR(p.matrix, x+q.x*scale, y+q.y*scale, q.w*scale)
}

// drawQR draws m with its quiet zone in a square of side millimetres at
// (x, y), as one filled path of rectangles. A transformation makes one
// unit one module, with y growing downwards from the symbol's top-left
// corner, so every rectangle is four small integers: module edges fall on
// exact positions and the page stays small. Dark modules are merged into
// horizontal runs, and runs repeating at the same columns on the next rows
// into one taller rectangle; a single fill leaves no hairline seams
// between modules when a viewer anti-aliases.
func (d *document) drawQR(m *qr.Matrix, x, y, side float64) {
	module := side / float64(m.Size()+2*quietModules)
	_, pageH := d.pdf.GetPageSize()
	k := d.pdf.GetConversionRatio()
	// PDF space has its origin at the bottom left, in points.
	ox, oy := (x+quietModules*module)*k, (pageH-y-quietModules*module)*k

	buf := append(d.buf[:0], "q 0 g "...)
	buf = strconv.AppendFloat(buf, module*k, 'f', 4, 64)
	buf = append(buf, " 0 0 "...)
	buf = strconv.AppendFloat(buf, -module*k, 'f', 4, 64)
	buf = append(buf, ' ')
	buf = strconv.AppendFloat(buf, ox, 'f', 3, 64)
	buf = append(buf, ' ')
	buf = strconv.AppendFloat(buf, oy, 'f', 3, 64)
	buf = append(buf, " cm\n"...)
	mergeRuns(m, func(r run) {
		buf = strconv.AppendInt(buf, int64(r.x0), 10)
		buf = append(buf, ' ')
		buf = strconv.AppendInt(buf, int64(r.y0), 10)
		buf = append(buf, ' ')
		buf = strconv.AppendInt(buf, int64(r.x1-r.x0), 10)
		buf = append(buf, ' ')
		buf = strconv.AppendInt(buf, int64(r.y1-r.y0), 10)
		buf = append(buf, " re\n"...)
	})
	buf = append(buf, "f Q"...)
	d.pdf.RawWriteBuf(bytes.NewReader(buf))
	d.buf = buf
}

// run is a rectangle of dark modules: columns [x0, x1), rows [y0, y1).
type run struct{ x0, x1, y0, y1 int }

// mergeRuns calls emit for a set of rectangles covering exactly the dark
// modules of m: each row's horizontal runs, extended downwards while the
// next row has a run with the same columns.
func mergeRuns(m *qr.Matrix, emit func(run)) {
	n := m.Size()
	var open []run // runs still growing, from the previous row, by x0
	var next []run
	for y := 0; y <= n; y++ {
		next = next[:0]
		i := 0
		for x := 0; y < n && x < n; {
			if !m.Dark(x, y) {
				x++
				continue
			}
			x0 := x
			for x < n && m.Dark(x, y) {
				x++
			}
			// Close the open runs that end before this one starts.
			for i < len(open) && open[i].x0 < x0 {
				emit(open[i])
				i++
			}
			if i < len(open) && open[i].x0 == x0 && open[i].x1 == x {
				r := open[i]
				r.y1 = y + 1
				next = append(next, r)
				i++
				continue
			}
			next = append(next, run{x0, x, y, y + 1})
		}
		for ; i < len(open); i++ {
			emit(open[i])
		}
		open, next = next, open
	}
}

// cutMarks draws the cut lines of a sheet of cols × rows cells: ticks at
// the sheet's edges and a cross where four corners meet. They stay in the
// signs' margins, clear of any text or code.
func (d *document) cutMarks(w, h float64, cols, rows int) {
	pdf := d.pdf
	pdf.SetDrawColor(cutMarkGray, cutMarkGray, cutMarkGray)
	pdf.SetLineWidth(cutLineWidth)
	cw, ch := w/float64(cols), h/float64(rows)
	for c := 1; c < cols; c++ {
		x := float64(c) * cw
		pdf.Line(x, 0, x, cutMarkLen)
		pdf.Line(x, h-cutMarkLen, x, h)
	}
	for r := 1; r < rows; r++ {
		y := float64(r) * ch
		pdf.Line(0, y, cutMarkLen, y)
		pdf.Line(w-cutMarkLen, y, w, y)
	}
	for c := 1; c < cols; c++ {
		for r := 1; r < rows; r++ {
			x, y := float64(c)*cw, float64(r)*ch
			pdf.Line(x-cutCrossArm, y, x+cutCrossArm, y)
			pdf.Line(x, y-cutCrossArm, x, y+cutCrossArm)
		}
	}
}

// output finishes the PDF and writes it to w. The creation date is the
// latest print date and the document ID a hash of what was drawn, so the
// same signs give the same bytes.
func (d *document) output(w io.Writer) error {
	created := time.Date(d.created.Year(), d.created.Month(), d.created.Day(), 0, 0, 0, 0, time.UTC)
	d.pdf.SetCreationDate(created)
	d.pdf.SetModificationDate(created)
	d.pdf.SetTitle(d.title, true)
	sum := d.id.Sum(nil)
	d.pdf.SetXmpMetadata([]byte(fmt.Sprintf(xmpTemplate, sum[:4], sum[4:6], sum[6:8], sum[8:10], sum[10:16])))
	if err := d.pdf.Output(w); err != nil {
		return fmt.Errorf("printables: writing PDF: %w", err)
	}
	return nil
}

// xmpTemplate is the document's XMP metadata; its only content is the
// document ID.
const xmpTemplate = `<?xpacket begin="" id="W5M0MpCehiHzreSzNTczkc9d"?>
<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">
<rdf:Description rdf:about="" xmlns:xmpMM="http://ns.adobe.com/xap/1.0/mm/"><xmpMM:DocumentID>uuid:%x-%x-%x-%x-%x</xmpMM:DocumentID></rdf:Description>
</rdf:RDF></x:xmpmeta>
<?xpacket end="r"?>`
