package api_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
)

// stubSpeech replaces the browser's speech with a recorder before the
// page's scripts run: window.__spoken lists what was said, in which
// language and voice. %s is the voice list the page finds.
const stubSpeech = `window.__spoken = [];
window.SpeechSynthesisUtterance = function (text) { this.text = text; this.lang = ''; this.voice = null; };
Object.defineProperty(window, 'speechSynthesis', { configurable: true, value: {
  getVoices: () => %s,
  speak: (u) => window.__spoken.push({ text: u.text, lang: u.lang, voice: u.voice ? u.voice.name : '' }),
  cancel: () => {},
} });`

// TestMoneyArrivesOnTheVendorPage: a vendor's own page at 360 px shows a
// SePay transfer for its account, in digits and words, within 2 s of the
// delivery, and reads it aloud once "Bật loa" was tapped: with the
// browser's Vietnamese voice, and without one (an empty voice list: a
// chime, and the words with lang vi-VN).
func TestMoneyArrivesOnTheVendorPage(t *testing.T) {
	for i, tc := range []struct {
		name, voices, wantVoice string
	}{
		{"with a Vietnamese voice", `[{ name: 'Linh', lang: 'vi_VN' }, { name: 'Samantha', lang: 'en-US' }]`, "Linh"},
		{"with no voice", `[]`, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := newE2EWorld(t)
			ctx := newBrowser(t)
			var v struct{ ID int64 }
			w.call(t, "POST", "/api/v1/vendors", map[string]any{"market_id": w.marketID, "stall_code": "A-01", "full_name": "Nguyễn Thị Hà",
				"phone": "0912300001", "consent": true, "bank_account": map[string]any{"bin": "970436", "account_number": "0011001299999", "holder_name": "NGUYEN THI HA"}},
				http.StatusCreated, &v)
			var src struct {
				URLPath string `json:"url_path"`
			}
			w.call(t, "POST", "/api/v1/hook-sources", map[string]any{"provider": "sepay", "auth": "apikey", "secret": "sepay-secret-key", "vendor_id": v.ID},
				http.StatusCreated, &src)
			var link struct{ URL string }
			w.call(t, "POST", fmt.Sprintf("/ui/vendors/%d/link", v.ID), nil, http.StatusCreated, &link)

			if _, err := chromedp.Call(ctx, page.AddScriptToEvaluateOnNewDocument, page.AddScriptToEvaluateOnNewDocumentParams{
				Source: watchPage + "\n" + fmt.Sprintf(stubSpeech, tc.voices)}); err != nil {
				t.Fatal(err)
			}
			run(t, ctx, "open the vendor's page at 360 px",
				chromedp.EmulateViewport(phoneW, phoneH, chromedp.EmulateScale(2), chromedp.EmulateMobile),
				chromedp.Navigate(w.url+"/v/"+link.URL[strings.LastIndex(link.URL, "/")+1:]),
				chromedp.WaitVisible(chromedp.ID("speaker")))
			run(t, ctx, "tap Bật loa", chromedp.Click(chromedp.ID("speaker")))
			waitJS(t, ctx, "the speaker's confirmation", `window.__spoken.length === 1 && window.__spoken[0].text === 'Đã bật loa'`)

			body := fmt.Sprintf(`{"id":%d,"gateway":"Vietcombank","transactionDate":"2026-12-01 09:30:00","accountNumber":"0011001299999",`+
				`"code":null,"content":"tra tien rau","transferType":"in","transferAmount":200000,"accumulated":0,"subAccount":null,`+
				`"referenceCode":"R","description":""}`, 9000+i)
			req, _ := http.NewRequestWithContext(t.Context(), "POST", w.url+src.URLPath, strings.NewReader(body))
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("Authorization", "Apikey sepay-secret-key")
			start := time.Now()
			res, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			res.Body.Close()
			if res.StatusCode != http.StatusOK {
				t.Fatalf("delivery: status %d", res.StatusCode)
			}
			waitJS(t, ctx, "the amount on the page",
				`(() => { const li = document.querySelector('#money-list li'); return !!li && li.innerText.includes('200.000 đ') && li.innerText.includes('hai trăm nghìn đồng'); })()`)
			d := time.Since(start)
			if d > 2*time.Second {
				t.Errorf("the amount appeared %v after the delivery, want within 2 s", d.Round(time.Millisecond))
			}
			t.Logf("the amount appeared %v after the delivery was sent", d.Round(time.Millisecond))
			waitJS(t, ctx, "the amount read aloud", `window.__spoken.length === 2`)
			said := eval[map[string]string](t, ctx, `window.__spoken[1]`)
			if said["text"] != "Đã nhận hai trăm nghìn đồng" || said["lang"] != "vi-VN" || said["voice"] != tc.wantVoice {
				t.Errorf("said %v, want Đã nhận hai trăm nghìn đồng in vi-VN with voice %q", said, tc.wantVoice)
			}
			if tc.wantVoice == "" {
				if got := eval[string](t, ctx, `document.getElementById('money').dataset.voice`); got != "none" {
					t.Errorf("data-voice = %q, want none", got)
				}
			}
			checkA11y(t, ctx, "vendor-money")
		})
	}
}
