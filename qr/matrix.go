package qr

import (
	"bufio"
	"bytes"
	"compress/zlib"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
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
// size×size black-and-white PNG (1-bit greyscale). Modules are a whole
// number of pixels; what is left over is split evenly into extra margin.
// It returns an error when size is too small for one pixel per module, or
// the write fails.
//
// The PNG is assembled here rather than through image/png, which asks for
// every pixel through an interface call: a QR image is a few distinct rows
// repeated, so each row is packed once and written as often as it repeats.
func (m *Matrix) WritePNG(w io.Writer, size int) error {
	total := m.size + 2*QuietZone
	if size < total {
		return fmt.Errorf("qr: a %d-module symbol needs at least %d pixels (got %d)", m.size, total, size)
	}
	scale := size / total
	offset := (size-total*scale)/2 + QuietZone*scale

	// Each scanline is a filter-type byte (0, none) and the packed pixels,
	// most significant bit first; in 1-bit greyscale 1 is white.
	stride := 1 + (size+7)/8
	light := make([]byte, stride)
	for i := 1; i < stride; i++ {
		light[i] = 0xFF
	}
	row := make([]byte, stride)
	var raw bytes.Buffer
	zw, err := zlib.NewWriterLevel(&raw, zlib.DefaultCompression)
	if err != nil {
		return err
	}
	for range offset {
		zw.Write(light) // writes into a bytes.Buffer cannot fail
	}
	for y := range m.size {
		copy(row, light)
		for x := range m.size {
			if m.dark[y*m.size+x] {
				for px := offset + x*scale; px < offset+(x+1)*scale; px++ {
					row[1+px/8] &^= 0x80 >> (px % 8)
				}
			}
		}
		for range scale {
			zw.Write(row)
		}
	}
	for range size - offset - m.size*scale {
		zw.Write(light)
	}
	if err := zw.Close(); err != nil {
		return err
	}

	var ihdr [13]byte
	binary.BigEndian.PutUint32(ihdr[0:], uint32(size))
	binary.BigEndian.PutUint32(ihdr[4:], uint32(size))
	ihdr[8] = 1 // bit depth; colour type 0 (greyscale), deflate, no filter adaptivity, no interlace
	bw := bufio.NewWriter(w)
	bw.WriteString("\x89PNG\r\n\x1a\n")
	writeChunk(bw, "IHDR", ihdr[:])
	writeChunk(bw, "IDAT", raw.Bytes())
	writeChunk(bw, "IEND", nil)
	return bw.Flush()
}

// writeChunk writes one PNG chunk: length, type, data and the CRC-32 of
// type and data. Errors surface at the caller's Flush.
func writeChunk(w *bufio.Writer, typ string, data []byte) {
	var n [4]byte
	binary.BigEndian.PutUint32(n[:], uint32(len(data)))
	w.Write(n[:])
	w.WriteString(typ)
	w.Write(data)
	crc := crc32.Update(crc32.ChecksumIEEE([]byte(typ)), crc32.IEEETable, data)
	binary.BigEndian.PutUint32(n[:], crc)
	w.Write(n[:])
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
