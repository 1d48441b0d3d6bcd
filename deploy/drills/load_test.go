package main

import (
	"encoding/json"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/sapqr/sapqr/deploy/harness"
)

func TestRegistrationBodiesAreUniqueAndValid(t *testing.T) {
	g := newRegistrar([]*harness.Client{{}, {}}, []int64{7, 8, 9}, time.Second)
	seenStall := map[string]bool{}
	seenAccount := map[string]bool{}
	for seq := int64(1); seq <= 1000; seq++ {
		market, stall, body := g.body(seq)
		var in struct {
			MarketID    int64  `json:"market_id"`
			StallCode   string `json:"stall_code"`
			FullName    string `json:"full_name"`
			Phone       string `json:"phone"`
			Consent     bool   `json:"consent"`
			BankAccount struct {
				BIN           string `json:"bin"`
				AccountNumber string `json:"account_number"`
				HolderName    string `json:"holder_name"`
			} `json:"bank_account"`
		}
		if err := json.Unmarshal(body, &in); err != nil {
			t.Fatalf("seq %d: %v", seq, err)
		}
		if in.MarketID != market || in.StallCode != stall {
			t.Fatalf("seq %d: body names market %d stall %s, registrar says %d %s", seq, in.MarketID, in.StallCode, market, stall)
		}
		key := strconv.FormatInt(market, 10) + "/" + stall
		if seenStall[key] || seenAccount[in.BankAccount.AccountNumber] {
			t.Fatalf("seq %d reuses stall %s or account %s", seq, key, in.BankAccount.AccountNumber)
		}
		seenStall[key], seenAccount[in.BankAccount.AccountNumber] = true, true
		if len(in.Phone) != 10 || !strings.HasPrefix(in.Phone, "09") || len(in.BankAccount.AccountNumber) > 19 || !in.Consent {
			t.Fatalf("seq %d: phone %q account %q consent %v", seq, in.Phone, in.BankAccount.AccountNumber, in.Consent)
		}
	}
}
