package merchants

import "strings"

// MaxTransferAmount is the largest amount, in đồng, that SạpQR accepts
// from a transfer notification and reads in words: 999,999,999,999 đ.
const MaxTransferAmount int64 = 999_999_999_999

// digitWords are the plain readings of 0–9.
var digitWords = [10]string{"không", "một", "hai", "ba", "bốn", "năm", "sáu", "bảy", "tám", "chín"}

// groupUnits name the groups of three digits from the lowest: units,
// nghìn, triệu, tỷ.
var groupUnits = [4]string{"", "nghìn", "triệu", "tỷ"}

// AmountWords reads an amount of đồng in Vietnamese words, ending in
// "đồng": 200000 → "hai trăm nghìn đồng", 1050000 → "một triệu không trăm
// năm mươi nghìn đồng". It follows the common spoken reading: mười for 10,
// mươi for 20–90, mốt for 1 and tư for 4 after a tens digit of 2 or more,
// lăm for 5 after any tens digit, lẻ for a units digit after a zero tens
// digit once hundreds were said, "không trăm" in every group but the
// leading one, and groups that are all zeros skipped. It returns "" for an
// amount below 0 or above MaxTransferAmount.
func AmountWords(amount int64) string {
	if amount < 0 || amount > MaxTransferAmount {
		return ""
	}
	if amount == 0 {
		return "không đồng"
	}
	var groups [4]int
	for i := range groups {
		groups[i] = int(amount % 1000)
		amount /= 1000
	}
	words := make([]string, 0, 24)
	leading := true
	for i := len(groups) - 1; i >= 0; i-- {
		if groups[i] == 0 {
			continue
		}
		words = appendGroup(words, groups[i], !leading)
		if groupUnits[i] != "" {
			words = append(words, groupUnits[i])
		}
		leading = false
	}
	words = append(words, "đồng")
	return strings.Join(words, " ")
}

// appendGroup appends the reading of one group of three digits (1–999).
// A group that is not the leading one always says its hundreds, "không
// trăm" included.
func appendGroup(words []string, n int, sayHundreds bool) []string {
	h, t, u := n/100, n/10%10, n%10
	hundredSaid := sayHundreds || h > 0
	if hundredSaid {
		words = append(words, digitWords[h], "trăm")
	}
	switch {
	case t == 0 && u == 0:
	case t == 0 && hundredSaid:
		words = append(words, "lẻ", digitWords[u])
	case t == 0:
		words = append(words, digitWords[u])
	case t == 1:
		words = append(words, "mười")
		words = appendUnit(words, u, false)
	default:
		words = append(words, digitWords[t], "mươi")
		words = appendUnit(words, u, true)
	}
	return words
}

// appendUnit appends the units digit said after a tens word: lăm for 5,
// and after mươi (tens ≥ 2) mốt for 1 and tư for 4.
func appendUnit(words []string, u int, afterMuoi bool) []string {
	switch {
	case u == 0:
		return words
	case u == 5:
		return append(words, "lăm")
	case u == 1 && afterMuoi:
		return append(words, "mốt")
	case u == 4 && afterMuoi:
		return append(words, "tư")
	}
	return append(words, digitWords[u])
}
