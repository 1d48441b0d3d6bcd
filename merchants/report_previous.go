package merchants

import (
	"context"
	"encoding/json"
	"strconv"
	"time"
)

// addPrevious sets, beside each row of rep and its total, the same unit's
// figures at the end of the previous period (the newest snapshot by then):
// the change is what officials are asked about. A unit with no market in
// that snapshot has no previous figures. It returns store errors.
func (s *AdoptionService) addPrevious(ctx context.Context, rep *Report, f UnitFilter) error {
	from, to, err := rep.Period.Range(rep.From.AddDate(0, 0, -1))
	if err != nil {
		return err
	}
	rep.PreviousFrom, rep.PreviousTo = from, to
	rows, _, _, err := s.reportMarkets(ctx, f, to)
	if err != nil || len(rows) == 0 {
		return err
	}
	byUnit := make(map[string][]MarketAdoption)
	for _, r := range rows {
		key := r.CommuneCode
		if f.CommuneCode != "" {
			key = strconv.FormatInt(r.MarketID, 10)
		}
		byUnit[key] = append(byUnit[key], r)
	}
	for i := range rep.Rows {
		if ms, ok := byUnit[rep.Rows[i].Code]; ok {
			p := reportRow(rep.Rows[i].Code, rep.Rows[i].Name, ms, nil)
			rep.Rows[i].Previous = &p
		}
	}
	total := reportRow("", totalName, rows, nil)
	rep.Total.Previous = &total
	return nil
}

// MarshalJSON writes the row with its target's due date as YYYY-MM-DD,
// the shape dates take everywhere else in the API.
func (r ReportRow) MarshalJSON() ([]byte, error) {
	type plain ReportRow
	out := struct {
		plain
		TargetDue *string `json:"target_due,omitempty"`
	}{plain: plain(r)}
	if r.TargetDue != nil {
		d := r.TargetDue.Format(time.DateOnly)
		out.TargetDue = &d
	}
	return json.Marshal(out)
}
