package api

import (
	"fmt"
	"math"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// cssRule is one rule of a stylesheet: its selector and declarations.
type cssRule struct {
	selector string
	decls    map[string]string
}

var (
	cssComment = regexp.MustCompile(`(?s)/\*.*?\*/`)
	cssBlock   = regexp.MustCompile(`([^{}]+)\{([^{}]*)\}`)
	cssVar     = regexp.MustCompile(`var\((--[a-z0-9-]+)\)`)
)

// parseCSS returns the flat rules of css (rules inside @media included)
// with var() references resolved from :root.
func parseCSS(css string) []cssRule {
	css = cssComment.ReplaceAllString(css, "")
	var rules []cssRule
	vars := map[string]string{}
	for _, m := range cssBlock.FindAllStringSubmatch(css, -1) {
		sel := strings.TrimSpace(m[1])
		if i := strings.LastIndex(sel, "@media"); i >= 0 {
			sel = strings.TrimSpace(sel[strings.Index(sel[i:], ")")+i+1:])
		}
		decls := map[string]string{}
		for _, d := range strings.Split(m[2], ";") {
			k, v, ok := strings.Cut(d, ":")
			if !ok {
				continue
			}
			decls[strings.TrimSpace(k)] = strings.TrimSpace(v)
		}
		if sel == ":root" {
			for k, v := range decls {
				vars[k] = v
			}
		}
		rules = append(rules, cssRule{selector: sel, decls: decls})
	}
	for _, r := range rules {
		for k, v := range r.decls {
			r.decls[k] = cssVar.ReplaceAllStringFunc(v, func(s string) string {
				return vars[cssVar.FindStringSubmatch(s)[1]]
			})
		}
	}
	return rules
}

// hexColour parses #rgb or #rrggbb.
func hexColour(s string) ([3]float64, error) {
	s = strings.TrimPrefix(strings.TrimSpace(s), "#")
	if len(s) == 3 {
		s = string([]byte{s[0], s[0], s[1], s[1], s[2], s[2]})
	}
	if len(s) != 6 {
		return [3]float64{}, fmt.Errorf("colour %q: want #rgb or #rrggbb", s)
	}
	var c [3]float64
	for i := range 3 {
		v, err := strconv.ParseUint(s[2*i:2*i+2], 16, 8)
		if err != nil {
			return c, fmt.Errorf("colour %q: %w", s, err)
		}
		c[i] = float64(v) / 255
	}
	return c, nil
}

// luminance is the WCAG 2 relative luminance of an sRGB colour.
func luminance(c [3]float64) float64 {
	lin := func(v float64) float64 {
		if v <= 0.04045 {
			return v / 12.92
		}
		return math.Pow((v+0.055)/1.055, 2.4)
	}
	return 0.2126*lin(c[0]) + 0.7152*lin(c[1]) + 0.0722*lin(c[2])
}

// contrastRatio is the WCAG 2 contrast ratio of two colours (1 to 21).
func contrastRatio(a, b [3]float64) float64 {
	la, lb := luminance(a), luminance(b)
	if la < lb {
		la, lb = lb, la
	}
	return (la + 0.05) / (lb + 0.05)
}

func TestContrastRatio(t *testing.T) {
	for _, tc := range []struct {
		name string
		a, b string
		want float64
	}{
		{"black on white is the maximum", "#000000", "#ffffff", 21},
		{"same colour is the minimum", "#777777", "#777", 1},
		{"mid grey on white", "#767676", "#ffffff", 4.54},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a, err := hexColour(tc.a)
			if err != nil {
				t.Fatal(err)
			}
			b, err := hexColour(tc.b)
			if err != nil {
				t.Fatal(err)
			}
			if got := contrastRatio(a, b); math.Abs(got-tc.want) > 0.01 {
				t.Errorf("contrast(%s, %s) = %.2f, want %.2f", tc.a, tc.b, got, tc.want)
			}
		})
	}
}

// backgroundOf returns the background colour a selector's text is drawn
// on: its own rule's, else that of the nearest ancestor selector ("header.top"
// for "header.top a"), else "" for the page's.
func backgroundOf(rules []cssRule, sel string) string {
	for {
		for _, r := range rules {
			if r.selector != sel {
				continue
			}
			for _, k := range []string{"background", "background-color"} {
				if bg, ok := r.decls[k]; ok && strings.HasPrefix(bg, "#") {
					return bg
				}
			}
		}
		i := strings.LastIndex(sel, " ")
		if i < 0 {
			return ""
		}
		sel = strings.TrimSpace(sel[:i])
	}
}

// TestStylesheetContrast checks every text colour of app.css against the
// background it is drawn on: the rule's own background when it sets one,
// else the page and panel backgrounds. WCAG AA asks 4.5:1 for body text.
func TestStylesheetContrast(t *testing.T) {
	css, err := webFS.ReadFile("web/static/app.css")
	if err != nil {
		t.Fatal(err)
	}
	rules := parseCSS(string(css))
	var root map[string]string
	for _, r := range rules {
		if r.selector == ":root" {
			root = r.decls
		}
	}
	if root == nil {
		t.Fatal("app.css has no :root rule with the colour variables")
	}
	pageBackgrounds := []string{root["--bg"], root["--panel"]}
	checked := 0
	for _, r := range rules {
		fg, ok := r.decls["color"]
		if !ok || !strings.HasPrefix(fg, "#") {
			continue
		}
		bgs := pageBackgrounds
		if bg := backgroundOf(rules, r.selector); bg != "" {
			bgs = []string{bg}
		}
		for _, bg := range bgs {
			a, err := hexColour(fg)
			if err != nil {
				t.Fatalf("%s: %v", r.selector, err)
			}
			b, err := hexColour(bg)
			if err != nil {
				t.Fatalf("%s: %v", r.selector, err)
			}
			checked++
			if got := contrastRatio(a, b); got < 4.5 {
				t.Errorf("%s: %s on %s has contrast %.2f:1, want at least 4.5:1", r.selector, fg, bg, got)
			}
		}
	}
	if checked < 15 {
		t.Fatalf("checked only %d colour pairs; the stylesheet parser missed rules", checked)
	}
}
