package printables

import (
	"bufio"
	"fmt"
	"image"
	"image/color"
	"image/draw"
	"image/png"
	"io"
	"strings"

	"golang.org/x/image/font"
	"golang.org/x/image/font/opentype"
	"golang.org/x/image/math/fixed"

	"github.com/sapqr/sapqr/qr"
)

// The share card: the sign as a picture a vendor sends in a chat or posts
// (Zalo, Facebook), not a page to print. 1080 × 1350 pixels (4:5 portrait)
// is the largest picture both show whole in a conversation and a feed
// without cropping or scaling it up.
const (
	CardWidth  = 1080
	CardHeight = 1350
)

// Card layout, in pixels. The QR takes what the text leaves, at most
// cardQRMax, so a phone scans it from another phone's screen; its modules
// are whole pixels, so it stays sharp.
const (
	cardMargin    = 60
	cardQRMax     = 700 // the QR's square, its quiet zone included
	cardTextWidth = CardWidth - 2*cardMargin
)

var (
	cardBrand = color.RGBA{0x0b, 0x5c, 0xad, 0xff}
	cardInk   = color.RGBA{0x11, 0x11, 0x11, 0xff}
	cardMuted = color.RGBA{0x44, 0x44, 0x44, 0xff}
)

// cardFonts are the sign's faces parsed for rasterising text (the PDF
// path keeps its cut-down copies).
type cardFonts struct {
	regular, bold *opentype.Font
}

func loadCardFonts() (cardFonts, error) {
	var cf cardFonts
	for _, f := range []struct {
		name string
		dst  **opentype.Font
	}{{"NotoSans-Regular", &cf.regular}, {"NotoSans-Bold", &cf.bold}} {
		b, err := fontFiles.ReadFile("fonts/" + f.name + ".ttf")
		if err != nil {
			return cf, fmt.Errorf("printables: reading %s: %w", f.name, err)
		}
		if *f.dst, err = opentype.Parse(b); err != nil {
			return cf, fmt.Errorf("printables: parsing %s for cards: %w", f.name, err)
		}
	}
	return cf, nil
}

// RenderCard writes s as a PNG share card of CardWidth × CardHeight to w:
// the market and stall on a band, the vendor's name as typed (with its
// diacritics), the QR, the bank and the account masked to its last
// digits, the holder name and the payer guidance. The sign is checked and
// its payload self-checked as RenderSign does, with the same errors; a
// fee sign shows its purpose under the holder. Nothing is written unless
// the card is drawn.
func (r *Renderer) RenderCard(w io.Writer, s Sign) error {
	opt, err := Options{}.normalized()
	if err != nil {
		return err
	}
	p, err := r.prepare(s, opt)
	if err != nil {
		return err
	}
	ps := p.sign
	c := r.card
	top, err := cardBlocks(
		cardText{ps.Market, c.regular, 44, 28, 2, color.White},
		cardText{"Sạp " + ps.Stall, c.bold, 64, 40, 1, color.White})
	if err != nil {
		return err
	}
	name, err := cardBlocks(cardText{ps.Vendor, c.bold, 68, 40, 2, cardInk})
	if err != nil {
		return err
	}
	bottom := []cardText{
		{ps.BankShort + " · " + qr.MaskAccount(ps.Account, opt.VisibleDigits), c.bold, 50, 32, 1, cardInk},
		{ps.Holder, c.regular, 42, 28, 2, cardInk},
	}
	if ps.Fee() {
		bottom = append(bottom, cardText{ps.Purpose, c.regular, 36, 26, 1, cardMuted})
	}
	bottom = append(bottom, cardText{guidanceText, c.regular, 30, 30, 3, cardMuted})
	below, err := cardBlocks(bottom...)
	if err != nil {
		return err
	}
	defer closeBlocks(top, name, below)

	img := image.NewRGBA(image.Rect(0, 0, CardWidth, CardHeight))
	draw.Draw(img, img.Bounds(), image.White, image.Point{}, draw.Src)
	bandH := 40 + height(top) + 30
	draw.Draw(img, image.Rect(0, 0, CardWidth, bandH), image.NewUniform(cardBrand), image.Point{}, draw.Src)
	drawBlocks(img, top, 40)
	y := drawBlocks(img, name, bandH+30)
	qrSide := min(cardQRMax, CardHeight-40-height(below)-y)
	drawCardQR(img, p, y, qrSide)
	drawBlocks(img, below, y+qrSide)

	bw := bufio.NewWriter(w)
	enc := png.Encoder{CompressionLevel: png.BestSpeed}
	if err := enc.Encode(bw, img); err != nil {
		return fmt.Errorf("printables: writing card: %w", err)
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("printables: writing card: %w", err)
	}
	return nil
}

// cardText is one piece of the card's text: centred, drawn at size px,
// smaller down to minPx when it does not fit the card's width on one line,
// and then broken between words into at most maxLines lines.
type cardText struct {
	text      string
	font      *opentype.Font
	px, minPx float64
	maxLines  int
	colour    color.Color
}

// cardBlock is a cardText laid out: its face and lines.
type cardBlock struct {
	face   font.Face
	lines  []string
	lineH  int
	colour color.Color
}

// cardBlocks lays out each text.
func cardBlocks(texts ...cardText) ([]cardBlock, error) {
	out := make([]cardBlock, 0, len(texts))
	for _, t := range texts {
		b, err := t.layout()
		if err != nil {
			closeBlocks(out)
			return nil, err
		}
		out = append(out, b)
	}
	return out, nil
}

func (t cardText) layout() (cardBlock, error) {
	for size := t.px; ; size -= 2 {
		face, err := opentype.NewFace(t.font, &opentype.FaceOptions{Size: size, DPI: 72, Hinting: font.HintingFull})
		if err != nil {
			return cardBlock{}, fmt.Errorf("printables: card face: %w", err)
		}
		lines := wrapCard(face, t.text, t.maxLines)
		if len(lines) == 1 || size-2 < t.minPx {
			return cardBlock{face: face, lines: lines, lineH: int(size * 1.3), colour: t.colour}, nil
		}
		face.Close()
	}
}

// wrapCard breaks text between words into lines the card's width holds,
// at most maxLines (the last one takes the rest).
func wrapCard(face font.Face, text string, maxLines int) []string {
	var lines []string
	line := ""
	for _, word := range strings.Fields(text) {
		next := strings.TrimSpace(line + " " + word)
		if line != "" && font.MeasureString(face, next).Ceil() > cardTextWidth && len(lines) < maxLines-1 {
			lines = append(lines, line)
			next = word
		}
		line = next
	}
	return append(lines, line)
}

func closeBlocks(groups ...[]cardBlock) {
	for _, g := range groups {
		for _, b := range g {
			b.face.Close()
		}
	}
}

// height is how tall blocks are drawn.
func height(blocks []cardBlock) int {
	h := 0
	for _, b := range blocks {
		h += b.lineH * len(b.lines)
	}
	return h
}

// drawBlocks draws blocks centred from y down and returns where they end.
func drawBlocks(img *image.RGBA, blocks []cardBlock, y int) int {
	for _, b := range blocks {
		for _, l := range b.lines {
			d := font.Drawer{Dst: img, Src: image.NewUniform(b.colour), Face: b.face}
			x := (CardWidth - d.MeasureString(l).Ceil()) / 2
			d.Dot = fixed.P(x, y+b.face.Metrics().Ascent.Ceil())
			d.DrawString(l)
			y += b.lineH
		}
	}
	return y
}

// drawCardQR draws the sign's QR matrix centred in the square of side
// from top, each module a whole number of pixels, with at least the
// 4-module quiet zone.
func drawCardQR(img *image.RGBA, p *prepared, top, square int) {
	n := p.matrix.Size()
	module := square / (n + 8)
	side := module * n
	x0 := (CardWidth - side) / 2
	y0 := top + (square-side)/2
	black := image.NewUniform(color.Black)
	for y := range n {
		for x := range n {
			if p.matrix.Dark(x, y) {
				r := image.Rect(x0+x*module, y0+y*module, x0+(x+1)*module, y0+(y+1)*module)
				draw.Draw(img, r, black, image.Point{}, draw.Src)
			}
		}
	}
}
