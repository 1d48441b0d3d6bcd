package api

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"strconv"
	"strings"
)

// A stored Idempotency-Key answer may hold a vendor's full account number
// and phone, and the database keeps it for a day. It is therefore kept
// sealed: encrypted (AES-256-GCM) with a key derived from the client's
// Idempotency-Key and the server's AnswerKey, and filed under a hash of
// the Idempotency-Key, which the database never sees in clear. Only a
// retry carrying the key opens the answer; a copy of the database alone
// does not, and with AnswerKey set not even with guessed keys.

// sealedPrefix marks a sealed answer (and its format's version).
const sealedPrefix = "s1:"

// keyID is what the store files an Idempotency-Key under: its SHA-256,
// base64url.
func keyID(key string) string {
	h := sha256.Sum256([]byte(key))
	return base64.RawURLEncoding.EncodeToString(h[:])
}

// answerAEAD is the cipher sealing the answers of userID under key.
func (s *Server) answerAEAD(userID int64, key string) (cipher.AEAD, error) {
	mac := hmac.New(sha256.New, s.cfg.AnswerKey)
	mac.Write([]byte("sapqr stored answer\x00" + strconv.FormatInt(userID, 10) + "\x00" + key))
	block, err := aes.NewCipher(mac.Sum(nil))
	if err != nil {
		return nil, err
	}
	return cipher.NewGCM(block)
}

// seal encrypts an answer for storage.
func (s *Server) seal(userID int64, key string, answer []byte) ([]byte, error) {
	aead, err := s.answerAEAD(userID, key)
	if err != nil {
		return nil, err
	}
	nonce := make([]byte, aead.NonceSize(), aead.NonceSize()+len(answer)+aead.Overhead())
	if _, err := rand.Read(nonce); err != nil {
		return nil, err
	}
	sealed := aead.Seal(nonce, nonce, answer, nil)
	return []byte(sealedPrefix + base64.StdEncoding.EncodeToString(sealed)), nil
}

// errUnsealable is a stored answer that does not open: stored under
// another AnswerKey, or damaged.
var errUnsealable = errors.New("idempotency: the stored answer does not open with this key")

// open decrypts a stored answer.
func (s *Server) open(userID int64, key string, stored []byte) ([]byte, error) {
	b64, ok := strings.CutPrefix(string(stored), sealedPrefix)
	if !ok {
		return nil, errUnsealable
	}
	sealed, err := base64.StdEncoding.DecodeString(b64)
	if err != nil {
		return nil, errUnsealable
	}
	aead, err := s.answerAEAD(userID, key)
	if err != nil {
		return nil, err
	}
	if len(sealed) < aead.NonceSize() {
		return nil, errUnsealable
	}
	answer, err := aead.Open(nil, sealed[:aead.NonceSize()], sealed[aead.NonceSize():], nil)
	if err != nil {
		return nil, errUnsealable
	}
	return answer, nil
}
