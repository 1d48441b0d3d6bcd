package merchants

import (
	"encoding/base64"
	"strconv"
)

// Cursors are opaque to clients: the last ID of a page, base64url-encoded
// behind a version prefix so the format can change.

func encodeCursor(id int64) string {
	return base64.RawURLEncoding.EncodeToString([]byte("v1:" + strconv.FormatInt(id, 10)))
}

// decodeCursor returns the ID a cursor carries, 0 for the empty cursor.
func decodeCursor(p *problems, s string) int64 {
	if s == "" {
		return 0
	}
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err == nil && len(b) > 3 && string(b[:3]) == "v1:" {
		if id, err := strconv.ParseInt(string(b[3:]), 10, 64); err == nil && id > 0 {
			return id
		}
	}
	p.add("cursor", "is not a cursor this server issued; pass the next_cursor of the previous page")
	return 0
}

// pageLimit checks a requested page size and returns the one to use.
func (s *Service) pageLimit(p *problems, limit int) int {
	switch {
	case limit == 0:
		return s.pageSize
	case limit < 0 || limit > s.maxPage:
		p.add("limit", "must be between 1 and "+strconv.Itoa(s.maxPage))
		return s.pageSize
	}
	return limit
}
