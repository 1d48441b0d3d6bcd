package merchants

import "context"

// MarketByLink returns the market of the vendor a private link token
// opens, so the vendor's own page and sign can name it. It returns
// ErrNotFound exactly when VendorByLink does (unknown or revoked token,
// inactive vendor).
func (s *Service) MarketByLink(ctx context.Context, token string) (Market, error) {
	v, err := s.VendorByLink(ctx, token)
	if err != nil {
		return Market{}, err
	}
	return s.store.Market(ctx, v.MarketID)
}
