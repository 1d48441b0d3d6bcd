package qr

import (
	"bufio"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"io"
	"strconv"

	qrcode "github.com/skip2/go-qrcode"
)

// ECLevel is the QR error-correction level.
type ECLevel int

// Error-correction levels, from least to most redundancy. ECMedium is
// the default for printed signs.
const (
	ECLow      ECLevel = iota // ~7% of the symbol can be restored
	ECMedium                  // ~15%
	ECQuartile                // ~25%
	ECHigh                    // ~30%
)

// QuietZone is the blank margin, in modules, that WritePNG and WriteSVG
// draw around the symbol (the minimum ISO/IEC 18004 requires).
const QuietZone = 4

// Matrix is the module grid of one QR symbol, computed once and read by
// every renderer (PNG, SVG, the PDF stall sign). It is immutable and safe
// for concurrent use.
type Matrix struct {
	size int
	dark []bool // row-major, size*size, without the quiet zone
}

// NewMatrix encodes payload as a QR symbol at the given error-correction
// level. It returns an error when payload is empty, level is unknown or
// the payload does not fit a QR symbol.
func NewMatrix(payload string, level ECLevel) (*Matrix, error) {
	if payload == "" {
		return nil, errors.New("qr: empty payload")
	}
	var rl qrcode.RecoveryLevel
	switch level {
	case ECLow:
		rl = qrcode.Low
	case ECMedium:
		rl = qrcode.Medium
	case ECQuartile:
		rl = qrcode.High
	case ECHigh:
		rl = qrcode.Highest
	default:
		return nil, fmt.Errorf("qr: unknown error-correction level %d", level)
	}
	q, err := qrcode.New(payload, rl)
	if err != nil {
		return nil, fmt.Errorf("qr: %w", err)
	}
	// Bitmap runs the whole encoding (and, in this library, may not be
	// called twice on one value). Its bitmap includes a 4-module quiet
	// zone, which is stripped so Matrix holds only the symbol; the
	// renderers add their own.
	bm := q.Bitmap()
	const border = 4
	n := len(bm) - 2*border
	if n <= 0 {
		return nil, fmt.Errorf("qr: unexpected bitmap of %d modules", len(bm))
	}
	m := &Matrix{size: n, dark: make([]bool, n*n)}
	for y := range n {
		copy(m.dark[y*n:(y+1)*n], bm[y+border][border:border+n])
	}
	return m, nil
}

// Size returns the number of modules per side, without the quiet zone.
func (m *Matrix) Size() int { return m.size }

// Dark reports whether the module at column x, row y is dark; outside the
// symbol it is false (light).
func (m *Matrix) Dark(x, y int) bool {
	if x < 0 || y < 0 || x >= m.size || y >= m.size {
		return false
	}
	return m.dark[y*m.size+x]
}

// WritePNG writes the symbol with a QuietZone-module margin as a
// size×size black-and-white PNG (1 bit per pixel). Modules are a whole
// number of pixels; what is left over is split evenly into extra margin.
// It returns an error when size is too small for one pixel per module, or
// the write fails.
func (m *Matrix) WritePNG(w io.Writer, size int) error {
	total := m.size + 2*QuietZone
	if size < total {
		return fmt.Errorf("qr: a %d-module symbol needs at least %d pixels (got %d)", m.size, total, size)
	}
	scale := size / total
	offset := (size-total*scale)/2 + QuietZone*scale
	// module[p] is the module row or column under pixel p, -1 in the margin.
	module := make([]int32, size)
	for p := range module {
		module[p] = -1
		if q := p - offset; q >= 0 && q < m.size*scale {
			module[p] = int32(q / scale)
		}
	}
	return png.Encode(w, &pngView{m: m, size: size, module: module, palette: color.Palette{color.White, color.Black}})
}

// pngView shows a Matrix to image/png as a two-colour paletted image
// without materialising its pixels: the encoder asks for each pixel's
// colour index and packs them 8 to a byte.
type pngView struct {
	m       *Matrix
	size    int
	module  []int32
	palette color.Palette // light, dark
}

var _ image.PalettedImage = (*pngView)(nil)

func (v *pngView) ColorModel() color.Model { return v.palette }
func (v *pngView) Bounds() image.Rectangle { return image.Rect(0, 0, v.size, v.size) }
func (v *pngView) At(x, y int) color.Color { return v.palette[v.ColorIndexAt(x, y)] }

func (v *pngView) ColorIndexAt(x, y int) uint8 {
	row, col := v.module[y], v.module[x]
	if row < 0 || col < 0 || !v.m.dark[int(row)*v.m.size+int(col)] {
		return 0
	}
	return 1
}

// WriteSVG writes the symbol with a QuietZone-module margin as an SVG
// whose unit is one module: one path of horizontal runs of dark modules,
// on a white background, crisp at any scale. It returns the write error.
func (m *Matrix) WriteSVG(w io.Writer) error {
	total := m.size + 2*QuietZone
	bw := bufio.NewWriter(w)
	t := strconv.Itoa(total)
	bw.WriteString(`<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ` + t + " " + t + `" shape-rendering="crispEdges">` + "\n")
	bw.WriteString(`<rect width="` + t + `" height="` + t + `" fill="#fff"/>` + "\n")
	bw.WriteString(`<path fill="#000" d="`)
	var num [20]byte
	for y := range m.size {
		for x := 0; x < m.size; {
			if !m.dark[y*m.size+x] {
				x++
				continue
			}
			run := 1
			for x+run < m.size && m.dark[y*m.size+x+run] {
				run++
			}
			bw.WriteByte('M')
			bw.Write(strconv.AppendInt(num[:0], int64(x+QuietZone), 10))
			bw.WriteByte(' ')
			bw.Write(strconv.AppendInt(num[:0], int64(y+QuietZone), 10))
			bw.WriteByte('h')
			bw.Write(strconv.AppendInt(num[:0], int64(run), 10))
			bw.WriteString("v1h-")
			bw.Write(strconv.AppendInt(num[:0], int64(run), 10))
			bw.WriteByte('z')
			x += run
		}
	}
	bw.WriteString(`"/>` + "\n</svg>\n")
	return bw.Flush()
}
