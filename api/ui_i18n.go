package api

import (
	"encoding/json"
	"fmt"
	"io/fs"
	"net/http"
	"sort"
	"strings"

	"golang.org/x/text/unicode/norm"
)

// Languages of the UI: Vietnamese first, English switchable.
const (
	langVI = "vi"
	langEN = "en"
)

// langCookie remembers the language a user switched to.
const langCookie = "sapqr_lang"

// uiCatalog is the UI's message catalogue: one flat key → text map per
// language, read from api/web/i18n/<lang>.json. It is built once at start
// and only read afterwards.
type uiCatalog struct {
	msgs map[string]map[string]string
	// js holds each language's catalogue pre-encoded for the pages'
	// scripts, so a page render does not marshal it again.
	js map[string]string
}

// loadCatalog reads every language's messages from fsys. It returns an
// error when a file is missing or not a flat JSON object, when a text is
// not NFC, or when the languages do not define the same keys, so a
// message missing in one language is found at start, not by a user.
func loadCatalog(fsys fs.FS) (*uiCatalog, error) {
	c := &uiCatalog{msgs: map[string]map[string]string{}, js: map[string]string{}}
	for _, lang := range []string{langVI, langEN} {
		b, err := fs.ReadFile(fsys, "i18n/"+lang+".json")
		if err != nil {
			return nil, fmt.Errorf("ui messages %s: %w", lang, err)
		}
		var m map[string]string
		if err := json.Unmarshal(b, &m); err != nil {
			return nil, fmt.Errorf("ui messages %s: %w", lang, err)
		}
		for k, v := range m {
			if !norm.NFC.IsNormalString(v) {
				return nil, fmt.Errorf("ui messages %s: %q is not NFC-normalised", lang, k)
			}
		}
		c.msgs[lang] = m
		js, err := json.Marshal(m)
		if err != nil {
			return nil, fmt.Errorf("ui messages %s: %w", lang, err)
		}
		c.js[lang] = string(js)
	}
	if missing := diffKeys(c.msgs[langVI], c.msgs[langEN]); len(missing) > 0 {
		return nil, fmt.Errorf("ui messages: keys not in both languages: %s", strings.Join(missing, ", "))
	}
	return c, nil
}

// diffKeys lists the keys present in only one of a and b, sorted.
func diffKeys(a, b map[string]string) []string {
	var out []string
	for k := range a {
		if _, ok := b[k]; !ok {
			out = append(out, k)
		}
	}
	for k := range b {
		if _, ok := a[k]; !ok {
			out = append(out, k)
		}
	}
	sort.Strings(out)
	return out
}

// text returns the message key in lang with {name} placeholders replaced
// from kv (name, value pairs). An unknown key returns the key itself, so a
// gap shows on the page instead of an empty string.
func (c *uiCatalog) text(lang, key string, kv ...any) string {
	s, ok := c.msgs[lang][key]
	if !ok {
		return key
	}
	for i := 0; i+1 < len(kv); i += 2 {
		s = strings.ReplaceAll(s, "{"+fmt.Sprint(kv[i])+"}", fmt.Sprint(kv[i+1]))
	}
	return s
}

// has reports whether key is in the catalogue.
func (c *uiCatalog) has(key string) bool {
	_, ok := c.msgs[langVI][key]
	return ok
}

// langOf returns the request's UI language: the cookie set by the switch,
// else Vietnamese. Accept-Language is deliberately ignored: phones at the
// market are often set to English while their users read Vietnamese.
func langOf(r *http.Request) string {
	if ck, err := r.Cookie(langCookie); err == nil && ck.Value == langEN {
		return langEN
	}
	return langVI
}

// otherLang is the language the switch link offers.
func otherLang(lang string) string {
	if lang == langEN {
		return langVI
	}
	return langEN
}
