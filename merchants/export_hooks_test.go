package merchants

import (
	"crypto/hmac"
	"crypto/sha512"
	"encoding/hex"
)

// CassoSignatureForTest signs body as Casso does (its first canonical
// form), for tests that need a valid X-Casso-Signature on bodies of their
// own. A body that cannot be put in canonical form gets a signature that
// matches nothing.
func CassoSignatureForTest(key []byte, t string, body []byte) string {
	forms, err := cassoCanonicalForms(body)
	if err != nil {
		return "t=" + t + ",v1=00"
	}
	mac := hmac.New(sha512.New, key)
	mac.Write([]byte(t + "."))
	mac.Write(forms[0])
	return "t=" + t + ",v1=" + hex.EncodeToString(mac.Sum(nil))
}
