package handlers

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
)

// One-shot form tokens protect forms that move money (buy, renew, transfer) from a
// double click or a resubmitted page: the page embeds a fresh token in a hidden field
// `token`, and the domain function claims it in the same transaction as the debit, so
// the same token never debits twice. Tokens are stateless until used (no write on GET):
// random nonce + issue time, signed with the server key and bound to the user and the
// form's purpose. They expire after FormTokenTTL; package jobs purges used ones once
// they are twice that old.
//
// FormTokenTTL is how long a form token is accepted.
const FormTokenTTL = 24 * time.Hour

var errFormTokenInvalid = errors.New("form token invalid or expired")

// formToken issues a token for the current user and purpose (e.g. "buy:12").
func (s *Server) formToken(c *fiber.Ctx, purpose string) string {
	payload := make([]byte, 20)
	_, _ = rand.Read(payload[:12])
	binary.BigEndian.PutUint64(payload[12:], uint64(time.Now().Unix()))
	p := base64.RawURLEncoding.EncodeToString(payload)
	return p + "." + s.formTokenMAC(c, purpose, p)
}

func (s *Server) formTokenMAC(c *fiber.Ctx, purpose, payload string) string {
	var uid int64
	if u := currentUser(c); u != nil {
		uid = u.ID
	}
	m := hmac.New(sha256.New, s.csrfKey)
	m.Write([]byte("form-token\x00" + purpose + "\x00" + strconv.FormatInt(uid, 10) + "\x00" + payload))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil)[:18])
}

// checkFormToken reads the `token` field. Empty means the client sent none (a script,
// not our form): the action runs unprotected and "" is returned. A forged, foreign or
// expired token is errFormTokenInvalid.
func (s *Server) checkFormToken(c *fiber.Ctx, purpose string) (string, error) {
	tok := c.FormValue("token")
	if tok == "" {
		return "", nil
	}
	payload, mac, ok := strings.Cut(tok, ".")
	if !ok || len(tok) > 100 {
		return "", errFormTokenInvalid
	}
	want := s.formTokenMAC(c, purpose, payload)
	if !hmac.Equal([]byte(mac), []byte(want)) {
		return "", errFormTokenInvalid
	}
	raw, err := base64.RawURLEncoding.DecodeString(payload)
	if err != nil || len(raw) != 20 {
		return "", errFormTokenInvalid
	}
	issued := time.Unix(int64(binary.BigEndian.Uint64(raw[12:])), 0)
	if age := time.Since(issued); age > FormTokenTTL || age < -5*time.Minute {
		return "", errFormTokenInvalid
	}
	return tok, nil
}
