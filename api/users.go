package api

import (
	"errors"
	"net/http"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/sapqr/sapqr/merchants"
)

// userCreateRequest is the body of POST /users.
type userCreateRequest struct {
	Username     string   `json:"username"`
	DisplayName  string   `json:"display_name"`
	Role         string   `json:"role"`
	ProvinceCode string   `json:"province_code"`
	CommuneCodes []string `json:"commune_codes"`
	Phone        string   `json:"phone"`
	Password     string   `json:"password"`
}

// userUpdateRequest is the body of PATCH /users/{id}; absent fields stay.
type userUpdateRequest struct {
	DisplayName  *string   `json:"display_name"`
	Phone        *string   `json:"phone"`
	Role         *string   `json:"role"`
	ProvinceCode *string   `json:"province_code"`
	CommuneCodes *[]string `json:"commune_codes"`
	Active       *bool     `json:"active"`
}

// activationJSON is a one-time link where a person sets their password.
type activationJSON struct {
	ActivationURL       string    `json:"activation_url"`
	ActivationExpiresAt time.Time `json:"activation_expires_at"`
}

// userCreatedJSON is a new user, with its activation link when created
// without a password.
type userCreatedJSON struct {
	userJSON
	ActivationURL       string     `json:"activation_url,omitempty"`
	ActivationExpiresAt *time.Time `json:"activation_expires_at,omitempty"`
}

// activationURL is the page where the token's holder sets a password.
func activationURL(c echo.Context, token string) string {
	return c.Scheme() + "://" + c.Request().Host + "/ui/activate/" + token
}

// handleUserCreate creates a user: 201 with the user and, without a
// password, its activation link.
func (s *Server) handleUserCreate(c echo.Context) error {
	var in userCreateRequest
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	res, err := s.cfg.Merchants.AddUser(c.Request().Context(), actorOf(c), merchants.CreateUserInput{
		Username: in.Username, DisplayName: in.DisplayName, Role: merchants.Role(in.Role), ProvinceCode: in.ProvinceCode,
		CommuneCodes: in.CommuneCodes, Phone: in.Phone, Password: in.Password,
	})
	if err != nil {
		return err
	}
	out := userCreatedJSON{userJSON: toUserJSON(res.User)}
	if a := res.Activation; a != nil {
		exp := a.ExpiresAt.UTC()
		out.ActivationURL, out.ActivationExpiresAt = activationURL(c, a.Token), &exp
	}
	c.Response().Header().Set(echo.HeaderLocation, "/api/v1/users/"+strconv.FormatInt(res.User.ID, 10))
	return writeJSON(c, http.StatusCreated, out)
}

// handleUserList lists the users the caller manages.
func (s *Server) handleUserList(c echo.Context) error {
	pg, err := pageParams(c)
	if err != nil {
		return err
	}
	f := merchants.UserFilter{Role: merchants.Role(c.QueryParam("role")), Commune: c.QueryParam("commune"),
		Province: c.QueryParam("province"), Q: c.QueryParam("q"), Limit: pg.Limit, Cursor: pg.Cursor}
	if v := c.QueryParam("active"); v != "" {
		b, err := strconv.ParseBool(v)
		if err != nil || (v != "true" && v != "false") {
			return validationError(FieldError{Field: "active", Message: "must be true or false"})
		}
		f.Active = &b
	}
	res, err := s.cfg.Merchants.ListUsers(c.Request().Context(), actorOf(c), f)
	if err != nil {
		return err
	}
	return writeJSON(c, http.StatusOK, newList(res.Users, res.NextCursor, toUserJSON))
}

// handleUserGet returns one user the caller manages (or the caller).
func (s *Server) handleUserGet(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	u, err := s.cfg.Merchants.User(c.Request().Context(), actorOf(c), id)
	if err != nil {
		return err
	}
	return writeJSON(c, http.StatusOK, toUserJSON(u))
}

// handleUserUpdate changes a user; "active": false ends their sessions
// on every replica before it answers.
func (s *Server) handleUserUpdate(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	var in userUpdateRequest
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	up := merchants.UpdateUserInput{DisplayName: in.DisplayName, Phone: in.Phone, ProvinceCode: in.ProvinceCode,
		CommuneCodes: in.CommuneCodes, Active: in.Active}
	if in.Role != nil {
		r := merchants.Role(*in.Role)
		up.Role = &r
	}
	u, err := s.cfg.Merchants.UpdateUser(c.Request().Context(), actorOf(c), id, up)
	if err != nil {
		return err
	}
	return writeJSON(c, http.StatusOK, toUserJSON(u))
}

// handleUserPasswordReset removes a user's password, ends their sessions
// and answers a new one-time link.
func (s *Server) handleUserPasswordReset(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	a, err := s.cfg.Merchants.ResetPassword(c.Request().Context(), actorOf(c), id)
	if err != nil {
		return err
	}
	return writeJSON(c, http.StatusOK, activationJSON{ActivationURL: activationURL(c, a.Token), ActivationExpiresAt: a.ExpiresAt.UTC()})
}

// handleMePassword changes the caller's password; their other sessions end.
func (s *Server) handleMePassword(c echo.Context) error {
	var in struct {
		CurrentPassword string `json:"current_password"`
		NewPassword     string `json:"new_password"`
	}
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	token, _ := c.Get(ctxKeyToken).(string)
	if err := s.cfg.Merchants.ChangePassword(c.Request().Context(), actorOf(c), token, in.CurrentPassword, in.NewPassword); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}

// handleActivate sets a password through a one-time link (public: the
// link's token is the credential).
func (s *Server) handleActivate(c echo.Context) error {
	var in struct {
		Token    string `json:"token"`
		Password string `json:"password"`
	}
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	if !validLinkToken(in.Token) {
		return newError(http.StatusNotFound, codeNotFound, "this link is not valid: it was used, replaced or has expired; ask your officer for a new one")
	}
	if _, err := s.cfg.Merchants.Activate(c.Request().Context(), in.Token, in.Password); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}

// uiActivateData is the activation page.
type uiActivateData struct {
	Token, Username, DisplayName string
}

// handleUIActivatePage asks the holder of a one-time link for a new
// password; a wrong, used or expired link gets the plain "link no longer
// valid" page with 404.
func (s *Server) handleUIActivatePage(p *uiPages) echo.HandlerFunc {
	return func(c echo.Context) error {
		token := c.Param("token")
		var u merchants.User
		err := merchants.ErrNotFound
		if validLinkToken(token) {
			u, err = s.cfg.Merchants.ActivationUser(c.Request().Context(), token)
		}
		if errors.Is(err, merchants.ErrNotFound) {
			return p.render(c, http.StatusNotFound, "link_invalid", "title.link_invalid", nil)
		}
		if err != nil {
			return err
		}
		return p.render(c, http.StatusOK, "activate", "title.activate",
			uiActivateData{Token: token, Username: u.Username, DisplayName: u.DisplayName}, "activate.js")
	}
}
