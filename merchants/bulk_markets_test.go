package merchants_test

import (
	"context"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/sapqr/sapqr/merchants"
	"github.com/sapqr/sapqr/merchants/merchantstest"
	"github.com/sapqr/sapqr/merchants/tabular"
)

func TestImportMarkets(t *testing.T) { merchantstest.OnEachDatabase(t, testImportMarkets) }

func testImportMarkets(t *testing.T, db string) {
	ctx := context.Background()
	admin := merchantstest.Admin()
	tests := []struct {
		name    string
		actor   merchants.Actor
		in      string
		dryRun  bool
		want    summary
		wantErr string // part of the returned error
		markets int    // markets stored afterwards
	}{
		{
			name:    "vietnamese headers, codes and names of communes",
			actor:   admin,
			in:      marketsCSV,
			want:    summary{Applied: true, Created: 3},
			markets: 3,
		},
		{
			name:    "english headers",
			actor:   admin,
			in:      "code,name,commune_code,class,stall_count\nBD,Chợ Ba Đình,00004,2,120\n",
			want:    summary{Applied: true, Created: 1},
			markets: 1,
		},
		{
			name:    "dry run changes nothing",
			actor:   admin,
			in:      marketsCSV,
			dryRun:  true,
			want:    summary{Created: 3},
			markets: 0,
		},
		{
			name:  "bad rows: all or nothing, every problem with its line",
			actor: admin,
			in: "Mã chợ,Tên chợ,Mã xã,Hạng chợ,Số sạp\n" +
				"BD,Chợ Ba Đình,00004,2,120\n" +
				"X,Chợ Ma,99999,2,10\n" +
				"Y,,00008,hạng tư,mười\n",
			want: summary{Created: 1, Failed: 2, Errors: []string{
				"line 3: commune_code: 99999 is not a commune-level unit in force",
				"line 4: name: is required",
				"line 4: class: \"hạng tư\" is not a market class; use 1, 2 or 3 (or I, II, III)",
				"line 4: stall_count: \"mười\" is not a whole number",
			}},
			wantErr: "line 3: commune_code: 99999 is not a commune-level unit in force",
			markets: 0,
		},
		{
			name:    "commune officer outside its communes",
			actor:   merchantstest.CommuneOfficer(ngocHa),
			in:      "Mã chợ,Tên chợ,Mã xã\nBD,Chợ Ba Đình,00004\nNH,Chợ Ngọc Hà,00008\n",
			want:    summary{Created: 1, Failed: 1, Errors: []string{"line 2: row: forbidden: commune 00004 is outside your scope"}},
			wantErr: "line 2: row",
			markets: 0,
		},
		{
			name:    "team members do not manage markets",
			actor:   merchantstest.Member(baDinh),
			in:      marketsCSV,
			wantErr: "forbidden",
		},
		{
			name:    "missing required column",
			actor:   admin,
			in:      "Mã chợ,Mã xã\nBD,00004\n",
			wantErr: "file: header (line 1): missing required columns: name",
		},
		{
			name:    "commune name in the wrong province",
			actor:   admin,
			in:      "Tên chợ,Xã,Tỉnh\nChợ A,Ba Đình,Cà Mau\n",
			want:    summary{Failed: 1, Errors: []string{"line 2: commune: \"Ba Đình\" is not a commune-level unit of Tỉnh Cà Mau in force"}},
			wantErr: "line 2: commune",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			svc := newBulkService(t, db)
			rep, err := svc.ImportMarkets(ctx, tt.actor, strings.NewReader(tt.in), tabular.CSV, tt.dryRun)
			if tt.wantErr == "" && err != nil {
				t.Fatalf("ImportMarkets: %v", err)
			}
			if tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)) {
				t.Fatalf("ImportMarkets error = %v, want it to contain %q", err, tt.wantErr)
			}
			if diff := cmp.Diff(tt.want, summarize(rep)); diff != "" {
				t.Errorf("report (-want +got):\n%s", diff)
			}
			if got := len(readState(t, svc).Markets); got != tt.markets {
				t.Errorf("%d markets stored, want %d", got, tt.markets)
			}
		})
	}
}

func TestImportMarketsIdempotentAndUpdates(t *testing.T) {
	merchantstest.OnEachDatabase(t, testImportMarketsIdempotentAndUpdates)
}

func testImportMarketsIdempotentAndUpdates(t *testing.T, db string) {
	ctx := context.Background()
	svc := newBulkService(t, db)
	admin := merchantstest.Admin()
	if _, err := svc.ImportMarkets(ctx, admin, strings.NewReader(marketsCSV), tabular.CSV, false); err != nil {
		t.Fatal(err)
	}
	before := readState(t, svc)
	rep, err := svc.ImportMarkets(ctx, admin, strings.NewReader(marketsCSV), tabular.CSV, false)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(summary{Applied: true, Unchanged: 3}, summarize(rep)); diff != "" {
		t.Errorf("re-import report (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(before, readState(t, svc)); diff != "" {
		t.Errorf("re-import changed the store (-before +after):\n%s", diff)
	}
	changed := strings.Replace(marketsCSV, "1 Đội Cấn,II,120", "1 Đội Cấn,II,130", 1)
	rep, err = svc.ImportMarkets(ctx, admin, strings.NewReader(changed), tabular.CSV, false)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(summary{Applied: true, Updated: 1, Unchanged: 2}, summarize(rep)); diff != "" {
		t.Errorf("changed file report (-want +got):\n%s", diff)
	}
	after := readState(t, svc)
	if after.Audit != before.Audit+1 {
		t.Errorf("audit entries %d, want %d (one update)", after.Audit, before.Audit+1)
	}

	// A market imported without a code gets one from a later file, and is
	// then found by it.
	for i, file := range []string{
		"Tên chợ,Mã xã\nChợ Giảng Võ,00025\n",
		"Mã chợ,Tên chợ,Mã xã\nGV,Chợ Giảng Võ,00025\n",
		"Mã chợ,Tên chợ,Mã xã\nGV,Chợ Giảng Võ,00025\n",
	} {
		rep, err := svc.ImportMarkets(ctx, admin, strings.NewReader(file), tabular.CSV, false)
		if err != nil {
			t.Fatal(err)
		}
		want := []summary{{Applied: true, Created: 1}, {Applied: true, Updated: 1}, {Applied: true, Unchanged: 1}}[i]
		if diff := cmp.Diff(want, summarize(rep)); diff != "" {
			t.Errorf("code added, file %d (-want +got):\n%s", i, diff)
		}
	}
	if got := len(readState(t, svc).Markets); got != 4 {
		t.Errorf("%d markets, want 4", got)
	}
}
