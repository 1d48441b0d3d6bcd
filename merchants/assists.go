package merchants

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"
)

// What the team did for the vendor. Communes report accounts
// opened, not only QR codes hung ("hơn 2.000 tài khoản thanh toán điện
// tử"): a registration records what the team helped the vendor with that
// day, and reports count it per period.

// Assist is one thing the team helped a vendor with.
type Assist string

// Assists the team records.
const (
	AssistAccountOpened Assist = "account_opened" // a payment account opened for the vendor
	AssistAppInstalled  Assist = "app_installed"  // a banking app installed on the vendor's phone
	AssistSIMRegistered Assist = "sim_registered" // the vendor's SIM registered in their own name
)

// Assists lists the assists, in the order pages show them.
func Assists() []Assist {
	return []Assist{AssistAccountOpened, AssistAppInstalled, AssistSIMRegistered}
}

// VendorAssist records that the team helped a vendor with Kind: at which
// market, by whom and when. A vendor is helped with each kind once.
type VendorAssist struct {
	VendorID     int64
	Kind         Assist
	MarketID     int64
	CommuneCode  string
	ProvinceCode string
	By           int64
	At           time.Time
}

// AssistCount is how many vendors of a market the team helped with each
// assist within a period.
type AssistCount struct {
	MarketID       int64
	CommuneCode    string
	AccountsOpened int64
	AppsInstalled  int64
	SIMsRegistered int64
}

// checkAssists checks the assists of a registration under field and
// returns them once each, in the order of Assists.
func checkAssists(p *problems, field string, in []Assist) []Assist {
	all := Assists()
	names := make([]string, len(all))
	for i, a := range all {
		names[i] = string(a)
	}
	for i, a := range in {
		if !slices.Contains(all, a) {
			p.add(fmt.Sprintf("%s[%d]", field, i), fmt.Sprintf("%q is not an assist; want %s", string(a), strings.Join(names, ", ")))
		}
	}
	var out []Assist
	for _, a := range all {
		if slices.Contains(in, a) {
			out = append(out, a)
		}
	}
	return out
}

// recordAssists stores what the team helped vendor v with, in tx.
func recordAssists(ctx context.Context, tx Tx, a Actor, v Vendor, kinds []Assist, at time.Time) error {
	if len(kinds) == 0 {
		return nil
	}
	rows := make([]VendorAssist, len(kinds))
	for i, k := range kinds {
		rows[i] = VendorAssist{VendorID: v.ID, Kind: k, MarketID: v.MarketID, CommuneCode: v.CommuneCode,
			ProvinceCode: v.ProvinceCode, By: a.UserID, At: at}
	}
	return tx.AddVendorAssists(ctx, rows)
}

// dayStart is the start of the Vietnamese calendar day of d.
func dayStart(d time.Time) time.Time {
	return time.Date(d.Year(), d.Month(), d.Day(), 0, 0, 0, 0, Vietnam)
}

// addAssists fills the report's assist columns: the vendors helped from
// the start of rep.From to the end of rep.To (Vietnamese days), per market
// (a commune's report) or per commune (a province's), and in the total.
func (s *AdoptionService) addAssists(ctx context.Context, f UnitFilter, rep *Report) error {
	counts, err := s.store.AssistCounts(ctx, f, dayStart(rep.From), dayStart(rep.To).AddDate(0, 0, 1))
	if err != nil {
		return fmt.Errorf("adoption: report: %w", err)
	}
	rowOf := make(map[string]*ReportRow, len(rep.Rows))
	for i := range rep.Rows {
		rowOf[rep.Rows[i].Code] = &rep.Rows[i]
	}
	for _, c := range counts {
		key := c.CommuneCode
		if f.CommuneCode != "" {
			key = fmt.Sprint(c.MarketID)
		}
		for _, r := range []*ReportRow{rowOf[key], &rep.Total} {
			if r != nil {
				r.AccountsOpened += c.AccountsOpened
				r.AppsInstalled += c.AppsInstalled
			}
		}
	}
	return nil
}
