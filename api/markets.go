package api

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/sapqr/sapqr/merchants"
)

// marketJSON is a market as the API shows it.
type marketJSON struct {
	ID           int64      `json:"id"`
	Code         string     `json:"code"`
	Name         string     `json:"name"`
	CommuneCode  string     `json:"commune_code"`
	ProvinceCode string     `json:"province_code"`
	Address      string     `json:"address"`
	Class        int        `json:"class"`
	StallCount   int        `json:"stall_count"`
	Status       string     `json:"status"`
	FeeAccount   *payeeJSON `json:"fee_account"`
	CreatedAt    time.Time  `json:"created_at"`
	UpdatedAt    time.Time  `json:"updated_at"`
}

// payeeJSON is a bank account money is paid into, as read and written.
type payeeJSON struct {
	BIN           string `json:"bin"`
	AccountNumber string `json:"account_number"`
	HolderName    string `json:"holder_name"`
}

func toMarketJSON(a merchants.Actor, m merchants.Market) marketJSON {
	out := marketJSON{
		ID: m.ID, Code: m.Code, Name: m.Name, CommuneCode: m.CommuneCode, ProvinceCode: m.ProvinceCode,
		Address: m.Address, Class: m.Class, StallCount: m.StallsDeclared, Status: string(m.Status),
		CreatedAt: m.CreatedAt.UTC(), UpdatedAt: m.UpdatedAt.UTC(),
	}
	if f := m.FeeAccount; f != nil {
		out.FeeAccount = &payeeJSON{BIN: f.BIN, AccountNumber: merchants.AccountFor(a, f.AccountNumber), HolderName: f.HolderName}
	}
	return out
}

// marketCreateRequest is the body of POST /markets.
type marketCreateRequest struct {
	Code         string     `json:"code"`
	Name         string     `json:"name"`
	CommuneCode  string     `json:"commune_code"`
	ProvinceCode string     `json:"province_code"`
	Address      string     `json:"address"`
	Class        int        `json:"class"`
	StallCount   int        `json:"stall_count"`
	FeeAccount   *payeeJSON `json:"fee_account"`
}

// marketUpdateRequest is the body of PATCH /markets/{id}: absent fields
// stay as they are; "fee_account": null removes the fee account.
type marketUpdateRequest struct {
	Code       *string         `json:"code"`
	Name       *string         `json:"name"`
	Address    *string         `json:"address"`
	Class      *int            `json:"class"`
	StallCount *int            `json:"stall_count"`
	Status     *string         `json:"status"`
	FeeAccount json.RawMessage `json:"fee_account"`
}

func (p *payeeJSON) domain() *merchants.PayeeAccount {
	if p == nil {
		return nil
	}
	return &merchants.PayeeAccount{BIN: p.BIN, AccountNumber: p.AccountNumber, HolderName: p.HolderName}
}

// pathID reads a numeric path parameter. An ID that is not a positive
// integer names nothing, so it answers 404 like an unknown one.
func pathID(c echo.Context, name string) (int64, error) {
	id, err := strconv.ParseInt(c.Param(name), 10, 64)
	if err != nil || id <= 0 {
		return 0, newError(http.StatusNotFound, codeNotFound,
			fmt.Sprintf("%q is not an ID this API issued; IDs are positive integers", c.Param(name)))
	}
	return id, nil
}

// handleMarketCreate creates a market: 201 with the market and Location.
func (s *Server) handleMarketCreate(c echo.Context) error {
	var in marketCreateRequest
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	a := actorOf(c)
	m, err := s.cfg.Merchants.CreateMarket(c.Request().Context(), a, merchants.CreateMarketInput{
		Code: in.Code, Name: in.Name, CommuneCode: in.CommuneCode, ProvinceCode: in.ProvinceCode,
		Address: in.Address, Class: in.Class, StallsDeclared: in.StallCount, FeeAccount: in.FeeAccount.domain(),
	})
	if err != nil {
		return err
	}
	c.Response().Header().Set(echo.HeaderLocation, "/api/v1/markets/"+strconv.FormatInt(m.ID, 10))
	return writeJSON(c, http.StatusCreated, toMarketJSON(a, m))
}

// handleMarketGet returns one market.
func (s *Server) handleMarketGet(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	a := actorOf(c)
	m, err := s.cfg.Merchants.Market(c.Request().Context(), a, id)
	if err != nil {
		return err
	}
	return writeJSON(c, http.StatusOK, toMarketJSON(a, m))
}

// handleMarketList lists the markets in the caller's scope:
// ?province=&commune=&q=&limit=&cursor=.
func (s *Server) handleMarketList(c echo.Context) error {
	pg, err := pageParams(c)
	if err != nil {
		return err
	}
	a := actorOf(c)
	if err := s.checkUnitParams(c, a); err != nil {
		return err
	}
	res, err := s.cfg.Merchants.ListMarkets(c.Request().Context(), a, merchants.MarketFilter{
		ProvinceCode: c.QueryParam("province"), CommuneCode: c.QueryParam("commune"), Q: c.QueryParam("q"),
		Cursor: pg.Cursor, Limit: pg.Limit,
	})
	if err != nil {
		return err
	}
	return writeJSON(c, http.StatusOK, newList(res.Markets, res.NextCursor, func(m merchants.Market) marketJSON { return toMarketJSON(a, m) }))
}

// handleMarketUpdate changes the fields given.
func (s *Server) handleMarketUpdate(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	var in marketUpdateRequest
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	up := merchants.UpdateMarketInput{Code: in.Code, Name: in.Name, Address: in.Address, Class: in.Class, StallsDeclared: in.StallCount}
	if in.Status != nil {
		st := merchants.MarketStatus(*in.Status)
		up.Status = &st
	}
	if in.FeeAccount != nil {
		if bytes.Equal(bytes.TrimSpace(in.FeeAccount), []byte("null")) {
			up.FeeAccount = &merchants.PayeeAccount{}
		} else {
			var p payeeJSON
			if err := unmarshalStrict(in.FeeAccount, &p); err != nil {
				return err
			}
			up.FeeAccount = p.domain()
		}
	}
	a := actorOf(c)
	m, err := s.cfg.Merchants.UpdateMarket(c.Request().Context(), a, id, up)
	if err != nil {
		return err
	}
	return writeJSON(c, http.StatusOK, toMarketJSON(a, m))
}

// stallJSON is a stall as the API shows it.
type stallJSON struct {
	ID        int64     `json:"id"`
	MarketID  int64     `json:"market_id"`
	Code      string    `json:"code"`
	Category  string    `json:"category"`
	Status    string    `json:"status"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

func toStallJSON(st merchants.Stall) stallJSON {
	return stallJSON{ID: st.ID, MarketID: st.MarketID, Code: st.Code, Category: st.Category, Status: string(st.Status),
		CreatedAt: st.CreatedAt.UTC(), UpdatedAt: st.UpdatedAt.UTC()}
}

// stallCreateRequest is the body of POST /markets/{id}/stalls.
type stallCreateRequest struct {
	Code     string `json:"code"`
	Category string `json:"category"`
	Status   string `json:"status"`
}

// stallUpdateRequest is the body of PATCH /stalls/{id}.
type stallUpdateRequest struct {
	Code     *string `json:"code"`
	Category *string `json:"category"`
	Status   *string `json:"status"`
}

// handleStallList lists a market's stalls: ?status=&limit=&cursor=.
func (s *Server) handleStallList(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	pg, err := pageParams(c)
	if err != nil {
		return err
	}
	res, err := s.cfg.Merchants.ListStalls(c.Request().Context(), actorOf(c), merchants.StallFilter{
		MarketID: id, Status: merchants.StallStatus(c.QueryParam("status")), Cursor: pg.Cursor, Limit: pg.Limit,
	})
	if err != nil {
		return err
	}
	return writeJSON(c, http.StatusOK, newList(res.Stalls, res.NextCursor, toStallJSON))
}

// handleStallCreate adds a stall to a market: 201 with the stall.
func (s *Server) handleStallCreate(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	var in stallCreateRequest
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	st, err := s.cfg.Merchants.CreateStall(c.Request().Context(), actorOf(c), merchants.CreateStallInput{
		MarketID: id, Code: in.Code, Category: in.Category, Status: merchants.StallStatus(in.Status),
	})
	if err != nil {
		return err
	}
	return writeJSON(c, http.StatusCreated, toStallJSON(st))
}

// handleStallUpdate changes the fields given.
func (s *Server) handleStallUpdate(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	var in stallUpdateRequest
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	up := merchants.UpdateStallInput{Code: in.Code, Category: in.Category}
	if in.Status != nil {
		st := merchants.StallStatus(*in.Status)
		up.Status = &st
	}
	st, err := s.cfg.Merchants.UpdateStall(c.Request().Context(), actorOf(c), id, up)
	if err != nil {
		return err
	}
	return writeJSON(c, http.StatusOK, toStallJSON(st))
}
