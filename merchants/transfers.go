package merchants

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/sapqr/sapqr/qr"
)

// Transfer is one delivery stored: a transfer a provider reported, once
// per (Provider, ProviderTxID), matched to a vendor or kept unmatched.
type Transfer struct {
	ID             int64
	SourceID       int64
	Provider       string
	ProviderTxID   string
	Bank           string // as the provider named it
	BIN            string // the bank found in the directory, "" when none
	AccountNumber  string
	VirtualAccount string
	Amount         int64
	In             bool
	Test           bool
	VendorID       int64 // 0 when unmatched
	MarketID       int64 // 0 when unmatched
	OccurredAt     time.Time
	ReceivedAt     time.Time
	Memo           string // "" once cleared
	Payer          string // "" once cleared
}

// Counts reports whether the transfer counts toward adoption: money in,
// not a test, matched to a vendor.
func (t Transfer) Counts() bool { return t.In && !t.Test && t.VendorID != 0 }

// TransferMatch names what a transfer is matched by within a source's
// scope: an active vendor's active bank account (BIN, account number).
type TransferMatch struct {
	BIN           string
	AccountNumber string
	Scope         HookScope
}

// TransferStore is the Store of transfers and hook sources (implemented
// by merchants/gormstore). Its methods return the errors Store documents.
type TransferStore interface {
	Store
	CreateHookSource(ctx context.Context, h HookSource, secret []byte) (HookSource, error)
	// HookSourceSecret returns a source that is not deleted, with its secret.
	HookSourceSecret(ctx context.Context, id int64) (HookSource, []byte, error)
	// ListHookSources returns the sources not deleted, by ascending ID.
	ListHookSources(ctx context.Context) ([]HookSource, error)
	DeleteHookSource(ctx context.Context, id int64, at time.Time) error
	// MatchTransfer returns the active vendor (its ID, its market's and
	// whether it is transacting already) with an active bank account
	// matching m in m.Scope; ErrNotFound when none.
	MatchTransfer(ctx context.Context, m TransferMatch) (vendorID, marketID int64, transacting bool, err error)
	// InTransferTx is InTx with the transfer writes.
	InTransferTx(ctx context.Context, fn func(tx TransferTx) error) error
	// VendorTransfers returns a vendor's transfers of money in, not tests,
	// with ID above afterID, newest first, at most limit.
	VendorTransfers(ctx context.Context, vendorID, afterID int64, limit int) ([]Transfer, error)
	// UnmatchedTransfers returns unmatched transfers of money in, not
	// tests, of the given sources, newest first, at most limit.
	UnmatchedTransfers(ctx context.Context, sourceIDs []int64, limit int) ([]Transfer, error)
	// CountHookSourcesFor counts the sources not deleted whose scope covers
	// a vendor of the commune and province: its own, its commune's, its
	// province's.
	CountHookSourcesFor(ctx context.Context, vendorID int64, communeCode, provinceCode string) (int, error)
	// ClearTransferPersonalData clears the memo and payer of transfers
	// received before t and returns how many were cleared.
	ClearTransferPersonalData(ctx context.Context, before time.Time) (int64, error)
}

// TransferTx is a Tx that also writes transfers.
type TransferTx interface {
	Tx
	// InsertTransfer stores t unless a transfer with its (Provider,
	// ProviderTxID) exists: it returns the stored transfer and whether it
	// was inserted now.
	InsertTransfer(ctx context.Context, t Transfer) (Transfer, bool, error)
}

// TransferConfig tunes a TransferService.
type TransferConfig struct {
	// PersonalDataRetention is how long memos and payer names are kept;
	// 0 for 30 days.
	PersonalDataRetention time.Duration
}

// TransferService receives transfer notifications from hook sources,
// shows each vendor its own and counts real use.
type TransferService struct {
	svc       *Service
	store     TransferStore
	retention time.Duration
}

// NewTransferService returns a TransferService over svc's domain, keeping
// transfers in store (the same database as svc's).
func NewTransferService(svc *Service, store TransferStore, cfg TransferConfig) *TransferService {
	if cfg.PersonalDataRetention <= 0 {
		cfg.PersonalDataRetention = 30 * 24 * time.Hour
	}
	return &TransferService{svc: svc, store: store, retention: cfg.PersonalDataRetention}
}

// Retention is how long memos and payer names are kept.
func (t *TransferService) Retention() time.Duration { return t.retention }

// ReceiveDelivery authenticates a delivery to the hook source
// provider/sourceID, stores its transfer once whatever the retries, and
// when it is the first counted transfer of a vendor marks the vendor
// transacting (source bank) through the counter outbox. A duplicate is
// not an error. It returns an error wrapping ErrUnauthenticated for an
// unknown or deleted source, another provider's source or a failed
// authentication (the three look the same from outside),
// ErrMalformedDelivery for a body not in the provider's format, and
// ErrUnavailable when the database cannot serve (the provider retries).
func (t *TransferService) ReceiveDelivery(ctx context.Context, provider string, sourceID int64, header func(string) string, body []byte) (Transfer, error) {
	src, secret, err := t.store.HookSourceSecret(ctx, sourceID)
	if errors.Is(err, ErrNotFound) || (err == nil && src.Provider != provider) {
		return Transfer{}, fmt.Errorf("hook source %s/%d: %w", provider, sourceID, ErrUnauthenticated)
	}
	if err != nil {
		return Transfer{}, err
	}
	now := t.svc.clock()
	n, err := ReadDelivery(provider, src.Auth, secret, header, body, now)
	if err != nil {
		return Transfer{}, err
	}
	tr := Transfer{SourceID: src.ID, Provider: provider, ProviderTxID: n.ProviderTxID, Bank: n.Bank,
		AccountNumber: n.AccountNumber, VirtualAccount: n.VirtualAccount, Amount: n.Amount, In: n.In, Test: n.Test,
		OccurredAt: n.OccurredAt, ReceivedAt: now, Memo: n.Memo, Payer: n.Payer}
	if b, ok := transferBank(n); ok {
		tr.BIN = b.BIN
	}
	transacting := false
	if tr.In && !tr.Test && tr.BIN != "" {
		tr.VendorID, tr.MarketID, transacting, err = t.store.MatchTransfer(ctx, TransferMatch{BIN: tr.BIN, AccountNumber: tr.AccountNumber, Scope: src.Scope()})
		if err != nil && !errors.Is(err, ErrNotFound) {
			return Transfer{}, err
		}
	}
	// A transfer that may make its vendor transacting locks the market
	// first, like every change that moves its counts, and before the
	// insert: the insert's foreign-key share lock on the market, taken
	// first, would deadlock with another delivery's lock of it.
	first := tr.Counts() && !transacting
	var stored Transfer
	err = t.store.InTransferTx(ctx, func(tx TransferTx) error {
		if first {
			if _, err := tx.LockMarket(ctx, tr.MarketID); err != nil {
				return err
			}
		}
		var created bool
		if stored, created, err = tx.InsertTransfer(ctx, tr); err != nil || !created || !first {
			return err
		}
		return t.markTransacting(ctx, tx, stored)
	})
	if err != nil {
		return Transfer{}, fmt.Errorf("receive %s delivery %s: %w", provider, tr.ProviderTxID, err)
	}
	return stored, nil
}

// transferBank finds the provider's bank name or code in the directory
// (SePay gateway "Vietcombank"; Casso bankAbbreviation "VPB", or its
// bankName "MBBank" when the abbreviation is not a directory code).
func transferBank(n Notification) (qr.Bank, bool) {
	if b, ok := qr.FindBank(n.Bank); ok {
		return b, true
	}
	if n.BankName != "" {
		return qr.FindBank(n.BankName)
	}
	return qr.Bank{}, false
}

// markTransacting marks the vendor of a counted transfer transacting with
// source bank, at the transfer's time, unless it already is; the counts
// go to the outbox like every other change. The caller holds the market
// lock.
func (t *TransferService) markTransacting(ctx context.Context, tx TransferTx, tr Transfer) error {
	v, err := tx.Vendor(ctx, tr.VendorID)
	if err != nil {
		return err
	}
	if v.Status != VendorActive || v.TransactingAt != nil {
		return nil
	}
	before := auditVendor(v)
	at := tr.OccurredAt
	v.TransactingAt, v.TransactingBy, v.TransactingSource, v.UpdatedAt = &at, 0, TransactingBank, t.svc.clock()
	if err := tx.UpdateVendor(ctx, v); err != nil {
		return err
	}
	if err := t.svc.audit(ctx, tx, Actor{}, ActionConfirm, "vendor", v.ID, v.MarketID, before, auditVendor(v)); err != nil {
		return err
	}
	_, err = tx.EmitMarketCounts(ctx, v.MarketID)
	return err
}

// Transacting sources: how a vendor came to count as transacting.
const (
	TransactingManual = "manual" // a team member confirmed a first payment
	TransactingBank   = "bank"   // a first transfer arrived from a hook source
)

// VendorTransfer is one incoming amount as the vendor's own page shows it.
type VendorTransfer struct {
	ID          int64     `json:"id"`
	Amount      int64     `json:"amount"`
	AmountWords string    `json:"amount_words"`
	ReceivedAt  time.Time `json:"received_at"`
	Memo        string    `json:"memo"`
}

// maxVendorTransfers bounds one answer of VendorTransfersByLink.
const maxVendorTransfers = 50

// VendorTransfersByLink returns the money in of the vendor a private link
// opens, newest first, those with an ID above after only (0 for the
// latest), at most 50. It returns ErrNotFound for an unknown or revoked
// link or an inactive vendor.
func (t *TransferService) VendorTransfersByLink(ctx context.Context, token string, after int64) ([]VendorTransfer, error) {
	v, err := t.svc.linkVendor(ctx, token)
	if err != nil {
		return nil, err
	}
	trs, err := t.store.VendorTransfers(ctx, v.ID, max(after, 0), maxVendorTransfers)
	if err != nil {
		return nil, err
	}
	out := make([]VendorTransfer, len(trs))
	for i, tr := range trs {
		out[i] = VendorTransfer{ID: tr.ID, Amount: tr.Amount, AmountWords: AmountWords(tr.Amount), ReceivedAt: tr.OccurredAt, Memo: tr.Memo}
	}
	return out, nil
}

// UnmatchedTransfer is a transfer no vendor in its source's scope
// matched, as officers see it: no amount, no memo.
type UnmatchedTransfer struct {
	ID            int64     `json:"id"`
	SourceID      int64     `json:"source_id"`
	Provider      string    `json:"provider"`
	Bank          string    `json:"bank"`
	AccountNumber string    `json:"account_number"`
	ReceivedAt    time.Time `json:"received_at"`
}

// UnmatchedTransfers returns the latest 200 unmatched transfers of money
// in of the sources the actor may manage, newest first.
func (t *TransferService) UnmatchedTransfers(ctx context.Context, a Actor) ([]UnmatchedTransfer, error) {
	srcs, err := t.HookSources(ctx, a)
	if err != nil {
		return nil, err
	}
	ids := make([]int64, len(srcs))
	for i, h := range srcs {
		ids[i] = h.ID
	}
	out := []UnmatchedTransfer{}
	if len(ids) == 0 {
		return out, nil
	}
	trs, err := t.store.UnmatchedTransfers(ctx, ids, 200)
	if err != nil {
		return nil, err
	}
	for _, tr := range trs {
		out = append(out, UnmatchedTransfer{ID: tr.ID, SourceID: tr.SourceID, Provider: tr.Provider, Bank: tr.Bank,
			AccountNumber: tr.AccountNumber, ReceivedAt: tr.ReceivedAt})
	}
	return out, nil
}

// VendorView is Service.VendorView with whether the vendor's transfer
// notifications are connected (VendorView.HookSources); its errors.
func (t *TransferService) VendorView(ctx context.Context, a Actor, vendorID int64) (VendorView, error) {
	view, err := t.svc.VendorView(ctx, a, vendorID)
	if err != nil {
		return VendorView{}, err
	}
	v := view.Vendor
	if view.HookSources, err = t.store.CountHookSourcesFor(ctx, v.ID, v.CommuneCode, v.ProvinceCode); err != nil {
		return VendorView{}, err
	}
	return view, nil
}

// ClearPersonalData clears the memos and payer names of transfers older
// than the retention; amounts, times and matches stay for the counts.
func (t *TransferService) ClearPersonalData(ctx context.Context) (int64, error) {
	return t.store.ClearTransferPersonalData(ctx, t.svc.clock().Add(-t.retention))
}
