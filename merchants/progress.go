package merchants

import (
	"context"
	"slices"
	"strings"
)

// Progress is how far a stall has come: no vendor, a vendor registered, a
// QR issued, its sign printed, transacting.
type Progress string

// Progress states, in order.
const (
	ProgressNone        Progress = "none"
	ProgressRegistered  Progress = "registered"
	ProgressQR          Progress = "qr"
	ProgressPrinted     Progress = "printed"
	ProgressTransacting Progress = "transacting"
)

// Progresses lists the progress states in order.
func Progresses() []Progress {
	return []Progress{ProgressNone, ProgressRegistered, ProgressQR, ProgressPrinted, ProgressTransacting}
}

// Progress is how far the vendor has come: registered, QR issued, sign
// printed (at its main stall or any), transacting.
func (v Vendor) Progress() Progress {
	switch {
	case v.TransactingAt != nil:
		return ProgressTransacting
	case v.Payload != "" && v.SignPrintedVersion > 0:
		return ProgressPrinted
	case v.Payload != "":
		return ProgressQR
	}
	return ProgressRegistered
}

// StallProgress is how far the vendor has come at stall h it holds: as
// Progress, except that printed needs a sign printed for that stall, since
// each stall hangs its own.
func (v Vendor) StallProgress(h VendorStall) Progress {
	p := v.Progress()
	if p == ProgressPrinted && h.SignPrintedVersion == 0 {
		return ProgressQR
	}
	return p
}

// StallOccupancy is one open stall of a market and who sells there.
type StallOccupancy struct {
	StallID    int64
	Code       string
	Progress   Progress
	VendorID   int64  // 0 for a free stall
	VendorName string // empty for a free stall
	// Free: a vendor may register at the stall now (it is active and no
	// active vendor holds it).
	Free bool
}

// maxMarketStalls bounds what MarketStalls reads: a market declares at
// most 100,000 stalls.
const maxMarketStalls = 100_000

// MarketStalls returns the open stalls of a market in the order people
// read their codes ("A-2" before "A-10"), each with the active vendor
// holding it and how far that vendor has come there, with the market. It
// returns ErrNotFound outside the actor's scope and store errors.
func (s *Service) MarketStalls(ctx context.Context, a Actor, marketID int64) (Market, []StallOccupancy, error) {
	m, err := s.Market(ctx, a, marketID)
	if err != nil {
		return Market{}, nil, err
	}
	var stalls []Stall
	for q := (StallQuery{MarketID: marketID, Limit: s.maxPage}); len(stalls) < maxMarketStalls; {
		page, err := s.store.ListStalls(ctx, q)
		if err != nil {
			return Market{}, nil, err
		}
		stalls = append(stalls, page...)
		if len(page) < q.Limit {
			break
		}
		q.AfterID = page[len(page)-1].ID
	}
	on := map[int64]StallOccupancy{}
	for q, n := (VendorQuery{MarketID: marketID, Status: VendorActive, Limit: s.maxPage}), 0; n < maxMarketStalls; {
		vs, err := s.store.ListVendors(ctx, q)
		if err != nil {
			return Market{}, nil, err
		}
		for _, v := range vs {
			if v, err = withPayload(v); err != nil {
				return Market{}, nil, err
			}
			for _, h := range v.Stalls {
				on[h.StallID] = StallOccupancy{Progress: v.StallProgress(h), VendorID: v.ID, VendorName: v.FullName}
			}
		}
		if n += len(vs); len(vs) < q.Limit {
			break
		}
		q.AfterID = vs[len(vs)-1].ID
	}
	out := make([]StallOccupancy, 0, len(stalls))
	for _, st := range stalls {
		if st.Status == StallClosed {
			continue
		}
		o, ok := on[st.ID]
		if !ok {
			o.Progress = ProgressNone
		}
		o.StallID, o.Code, o.Free = st.ID, st.Code, !ok && st.Status == StallActive
		out = append(out, o)
	}
	slices.SortFunc(out, func(x, y StallOccupancy) int { return CompareStallCodes(x.Code, y.Code) })
	return m, out, nil
}

// CompareStallCodes orders stall codes as people read them: "A-2" before
// "A-10", digits compared as numbers.
func CompareStallCodes(a, b string) int {
	for a != "" && b != "" {
		da, db := digitsPrefix(a), digitsPrefix(b)
		if da != "" && db != "" {
			na, nb := strings.TrimLeft(da, "0"), strings.TrimLeft(db, "0")
			if len(na) != len(nb) {
				return len(na) - len(nb)
			}
			if c := strings.Compare(na, nb); c != 0 {
				return c
			}
			a, b = a[len(da):], b[len(db):]
			continue
		}
		if a[0] != b[0] {
			return int(a[0]) - int(b[0])
		}
		a, b = a[1:], b[1:]
	}
	return len(a) - len(b)
}

// digitsPrefix is the run of ASCII digits s starts with.
func digitsPrefix(s string) string {
	i := 0
	for i < len(s) && s[i] >= '0' && s[i] <= '9' {
		i++
	}
	return s[:i]
}
