package api

import (
	"strconv"

	"github.com/labstack/echo/v4"
)

// page holds the paging query parameters of a list route. The domain owns
// the cursor format and the page-size bounds (merchants.Config); the api
// only checks that limit is a number so a typo gets a field error rather
// than a silent default.
type page struct {
	Limit  int
	Cursor string
}

// pageParams reads limit and cursor from the query.
func pageParams(c echo.Context) (page, error) {
	p := page{Cursor: c.QueryParam("cursor")}
	if v := c.QueryParam("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			return p, validationError(FieldError{Field: "limit", Message: "must be a positive integer"})
		}
		p.Limit = n
	}
	return p, nil
}

// listAnswer is the envelope of every list: the items and, when more
// follow, the opaque cursor of the next page.
type listAnswer[T any] struct {
	Items      []T    `json:"items"`
	NextCursor string `json:"next_cursor,omitempty"`
}

// newList builds a listAnswer, mapping each domain value to its JSON form;
// Items is never null.
func newList[D, T any](ds []D, next string, f func(D) T) listAnswer[T] {
	a := listAnswer[T]{Items: make([]T, 0, len(ds)), NextCursor: next}
	for _, d := range ds {
		a.Items = append(a.Items, f(d))
	}
	return a
}
