package security

import (
	"fmt"
	"math"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// RateLimitScheme names the generation of headers a rate limit was read
// from.
type RateLimitScheme string

const (
	// RateLimitIETF is the current IETF draft (draft-ietf-httpapi-
	// ratelimit-headers, 2024 on): structured-field lists
	// `RateLimit-Policy: "default";q=100;w=60` and
	// `RateLimit: "default";r=50;t=30`.
	RateLimitIETF RateLimitScheme = "RateLimit/RateLimit-Policy"
	// RateLimitDraft07 is the 2023 draft: a dictionary
	// `RateLimit: limit=100, remaining=50, reset=30`, with an optional
	// `RateLimit-Policy: 100;w=60`.
	RateLimitDraft07 RateLimitScheme = "RateLimit (limit=, remaining=, reset=)"
	// RateLimitFields is the 2021 draft: `RateLimit-Limit`,
	// `RateLimit-Remaining` and `RateLimit-Reset`.
	RateLimitFields RateLimitScheme = "RateLimit-Limit/-Remaining/-Reset"
	// RateLimitX is the de-facto `X-RateLimit-Limit/-Remaining/-Reset`
	// (GitHub, Kong with -Minute, -Hour... windows, many others).
	RateLimitX RateLimitScheme = "X-RateLimit-*"
	// RateLimitXDash is the `X-Rate-Limit-*` spelling (Twitter/X and
	// others).
	RateLimitXDash RateLimitScheme = "X-Rate-Limit-*"
)

// RateLimitPolicy is one limit a response advertised. Unknown numbers are
// -1 (Window: 0).
type RateLimitPolicy struct {
	Scheme RateLimitScheme
	// Header names the field the limit was read from ("RateLimit-Policy",
	// "X-RateLimit-Limit-Minute"): a finding's Location.Resource.
	Header string
	// Name is the policy's name in the IETF lists ("default"), or "".
	Name string
	// Limit is the quota: how many requests (or quota units) a window
	// allows; -1 when not advertised.
	Limit int64
	// Remaining is what is left of the quota; -1 when not advertised.
	Remaining int64
	// Window is the length of the window; 0 when not advertised.
	Window time.Duration
	// Reset is the time until the quota resets; -1 when not advertised.
	Reset time.Duration
	// ResetForm says how Reset was read: "delta seconds", "milliseconds",
	// "epoch seconds", "epoch milliseconds" or "HTTP date" (see
	// [ParseRateLimit]).
	ResetForm string
}

// String renders the policy in a line: "100 per 1m0s, 50 remaining, reset
// in 30s (RateLimit-Policy)".
func (p RateLimitPolicy) String() string {
	var parts []string
	switch {
	case p.Limit >= 0 && p.Window > 0:
		parts = append(parts, fmt.Sprintf("%d per %s", p.Limit, p.Window))
	case p.Limit >= 0:
		parts = append(parts, fmt.Sprintf("limit %d", p.Limit))
	}
	if p.Remaining >= 0 {
		parts = append(parts, fmt.Sprintf("%d remaining", p.Remaining))
	}
	if p.Reset >= 0 {
		parts = append(parts, fmt.Sprintf("reset in %s", p.Reset))
	}
	s := strings.Join(parts, ", ")
	if p.Name != "" {
		s = fmt.Sprintf("policy %q: %s", p.Name, s)
	}
	return s + " (" + p.Header + ")"
}

// RateLimitIgnored is a rate-limit header that could not be read. Reason
// names the problem; the value itself is never quoted.
type RateLimitIgnored struct {
	Header string
	Reason string
}

// RateLimitInfo is what one response says about rate limiting.
type RateLimitInfo struct {
	// Policies lists every limit recognised, in the order: IETF lists,
	// draft-07 dictionary, RateLimit-* fields, X-RateLimit-*,
	// X-Rate-Limit-*.
	Policies []RateLimitPolicy
	// RetryAfter is the Retry-After delay; -1 when absent or unreadable.
	RetryAfter time.Duration
	// Ignored lists the rate-limit headers present but unreadable.
	Ignored []RateLimitIgnored
}

// Advertised reports whether any limit (a quota or a remaining count) was
// recognised.
func (i RateLimitInfo) Advertised() bool {
	for _, p := range i.Policies {
		if p.Limit >= 0 || p.Remaining >= 0 {
			return true
		}
	}
	return false
}

// Bounds on what the parser reads: longer values and more policies are
// ignored with a reason, so a hostile header costs little.
const (
	rateLimitMaxValue    = 4 << 10 // bytes of one header's values
	rateLimitMaxPolicies = 16
)

// The magnitude rule for a numeric reset (see [ParseRateLimit]).
const (
	epochMillisMin  = 1e12             // 2001-09-09 in epoch milliseconds
	epochSecondsMin = 1e9              // 2001-09-09 in epoch seconds
	deltaSecondsMax = 31 * 24 * 3600.0 // a month: a longer delta is taken as milliseconds
	// maxDelay bounds every duration read, so no arithmetic overflows.
	maxDelay = 100 * 365 * 24 * time.Hour
)

// ParseRateLimit reads every generation of rate-limit header from h:
//
//   - the IETF structured fields (current draft): RateLimit-Policy, a list
//     of policies `"name";q=<quota>;w=<window seconds>`, and RateLimit, a
//     list `"name";r=<remaining>;t=<seconds to reset>`, matched by name.
//     A draft-07 RateLimit-Policy item `100;w=60` (an integer quota) is
//     read too;
//   - the draft-07 dictionary `RateLimit: limit=100, remaining=50,
//     reset=30`;
//   - the draft-06 fields RateLimit-Limit (`100` or `100, 100;w=60`),
//     RateLimit-Remaining and RateLimit-Reset;
//   - the de-facto X-RateLimit-* and X-Rate-Limit-* fields: -Limit,
//     -Remaining, -Reset (or -Reset-After, a delay), and windowed
//     variants -Limit-Second/-Minute/-Hour/-Day/-Month/-Year with the
//     matching -Remaining-<window>;
//   - Retry-After: delay-seconds or an HTTP date.
//
// The IETF t and draft-07 reset are delta seconds, as specified. Any
// other numeric reset is read by magnitude, because servers disagree:
//
//   - at least 1e12: epoch milliseconds;
//   - at least 1e9 (after 2001-09-09 as a Unix time): epoch seconds;
//   - above 2,678,400 (31 days): milliseconds, since a delay of more than
//     a month is implausible and one of 44 minutes to 11 days in
//     milliseconds is not;
//   - otherwise delta seconds (fractions allowed).
//
// An HTTP date is read as a date. An epoch in the past resets in 0; now
// is the reference for epochs and dates. Garbage (a non-number, a
// negative count, a broken structured field, a value over 4 KiB) is
// listed in Ignored with a reason and never panics.
func ParseRateLimit(h http.Header, now time.Time) RateLimitInfo {
	info := RateLimitInfo{RetryAfter: -1}
	get := func(name string) (string, bool) {
		vs := h.Values(name)
		if len(vs) == 0 {
			return "", false
		}
		v := strings.TrimSpace(strings.Join(vs, ", "))
		if len(v) > rateLimitMaxValue {
			info.ignore(name, fmt.Sprintf("longer than %d bytes", rateLimitMaxValue))
			return "", false
		}
		return v, true
	}
	info.parseIETF(get)
	for _, g := range []struct {
		prefix string
		scheme RateLimitScheme
	}{
		{"RateLimit-", RateLimitFields},
		{"X-RateLimit-", RateLimitX},
		{"X-Rate-Limit-", RateLimitXDash},
	} {
		info.parseFields(get, g.prefix, g.scheme, now)
	}
	if v, ok := get("Retry-After"); ok {
		d, reason := ParseRetryAfter(v, now)
		if reason != "" {
			info.ignore("Retry-After", reason)
		} else {
			info.RetryAfter = d
		}
	}
	return info
}

func (i *RateLimitInfo) ignore(header, reason string) {
	i.Ignored = append(i.Ignored, RateLimitIgnored{Header: header, Reason: reason})
}

func (i *RateLimitInfo) add(p RateLimitPolicy) {
	if len(i.Policies) >= rateLimitMaxPolicies {
		if n := len(i.Ignored); n == 0 || i.Ignored[n-1].Reason != "too many policies" {
			i.ignore(p.Header, "too many policies")
		}
		return
	}
	i.Policies = append(i.Policies, p)
}

func newPolicy(scheme RateLimitScheme, header string) RateLimitPolicy {
	return RateLimitPolicy{Scheme: scheme, Header: header, Limit: -1, Remaining: -1, Reset: -1}
}

// parseIETF reads RateLimit-Policy and RateLimit, current draft or
// draft 07.
func (i *RateLimitInfo) parseIETF(get func(string) (string, bool)) {
	var policies []RateLimitPolicy
	byName := map[string]int{}
	if v, ok := get("RateLimit-Policy"); ok {
		members, err := parseSFList(v)
		if err != nil {
			i.ignore("RateLimit-Policy", "not a structured-field list: "+err.Error())
		}
		for _, m := range members {
			p := newPolicy(RateLimitIETF, "RateLimit-Policy")
			switch m.item.kind {
			case sfString, sfToken:
				p.Name = m.item.s
			case sfInteger: // draft 07: 100;w=60
				if m.item.i < 0 {
					i.ignore("RateLimit-Policy", "negative quota")
					continue
				}
				p.Scheme, p.Limit = RateLimitDraft07, m.item.i
			default:
				i.ignore("RateLimit-Policy", "a policy is neither a name nor a quota")
				continue
			}
			if q, ok := m.param("q"); ok {
				if q.kind != sfInteger || q.i < 0 {
					i.ignore("RateLimit-Policy", "q is not a non-negative integer")
					continue
				}
				p.Limit = q.i
			}
			if p.Limit < 0 {
				i.ignore("RateLimit-Policy", "a policy has no quota (q)")
				continue
			}
			if w, ok := m.param("w"); ok {
				if w.kind != sfInteger || w.i <= 0 {
					i.ignore("RateLimit-Policy", "w is not a positive integer")
				} else {
					p.Window = secondsDuration(float64(w.i))
				}
			}
			if _, dup := byName[p.Name]; !dup {
				byName[p.Name] = len(policies)
			}
			policies = append(policies, p)
		}
	}
	if v, ok := get("RateLimit"); ok {
		if dict, err := parseSFDictionary(v); err == nil && (dict.has("limit") || dict.has("remaining") || dict.has("reset")) {
			// Draft 07: RateLimit: limit=100, remaining=50, reset=30.
			p := newPolicy(RateLimitDraft07, "RateLimit")
			ok := true
			for _, f := range []struct {
				key string
				dst *int64
			}{{"limit", &p.Limit}, {"remaining", &p.Remaining}} {
				if it, present := dict.get(f.key); present {
					if it.kind != sfInteger || it.i < 0 {
						i.ignore("RateLimit", f.key+" is not a non-negative integer")
						ok = false
						continue
					}
					*f.dst = it.i
				}
			}
			if it, present := dict.get("reset"); present {
				if it.kind != sfInteger || it.i < 0 {
					i.ignore("RateLimit", "reset is not a non-negative integer")
				} else {
					p.Reset, p.ResetForm = secondsDuration(float64(it.i)), "delta seconds"
				}
			}
			// A draft-07 RateLimit-Policy names the window of this limit.
			for _, pol := range policies {
				if pol.Window > 0 && (p.Limit < 0 || pol.Limit == p.Limit) {
					p.Window = pol.Window
					break
				}
			}
			if ok && (p.Limit >= 0 || p.Remaining >= 0) {
				i.add(p)
				policies = nil // described by this limit
			}
		} else {
			members, err := parseSFList(v)
			if err != nil {
				i.ignore("RateLimit", "not a structured-field list or dictionary: "+err.Error())
			}
			for _, m := range members {
				if m.item.kind != sfString && m.item.kind != sfToken {
					i.ignore("RateLimit", "a limit has no policy name")
					continue
				}
				var p RateLimitPolicy
				if k, known := byName[m.item.s]; known {
					p = policies[k]
					policies[k].Name = "\x00used"
				} else {
					p = newPolicy(RateLimitIETF, "RateLimit")
					p.Name = m.item.s
				}
				if r, ok := m.param("r"); ok {
					if r.kind != sfInteger || r.i < 0 {
						i.ignore("RateLimit", "r is not a non-negative integer")
					} else {
						p.Remaining = r.i
					}
				}
				if t, ok := m.param("t"); ok {
					if t.kind != sfInteger || t.i < 0 {
						i.ignore("RateLimit", "t is not a non-negative integer")
					} else {
						p.Reset, p.ResetForm = secondsDuration(float64(t.i)), "delta seconds"
					}
				}
				if p.Limit < 0 && p.Remaining < 0 {
					i.ignore("RateLimit", "a limit has neither remaining (r) nor a matching policy")
					continue
				}
				i.add(p)
			}
		}
	}
	for _, p := range policies {
		if p.Name != "\x00used" {
			i.add(p)
		}
	}
}

// rateLimitWindows are the windowed suffixes of X-RateLimit-Limit-Minute
// and friends.
var rateLimitWindows = []struct {
	suffix string
	d      time.Duration
}{
	{"Second", time.Second}, {"Minute", time.Minute}, {"Hour", time.Hour},
	{"Day", 24 * time.Hour}, {"Month", 30 * 24 * time.Hour}, {"Year", 365 * 24 * time.Hour},
}

// parseFields reads <prefix>Limit, -Remaining, -Reset (-Reset-After) and
// the windowed variants.
func (i *RateLimitInfo) parseFields(get func(string) (string, bool), prefix string, scheme RateLimitScheme, now time.Time) {
	p := newPolicy(scheme, prefix+"Limit")
	if v, ok := get(prefix + "Limit"); ok {
		n, w, reason := parseLimitValue(v)
		if reason != "" {
			i.ignore(prefix+"Limit", reason)
		} else {
			p.Limit, p.Window = n, w
		}
	}
	if v, ok := get(prefix + "Remaining"); ok {
		if n, ok := parseCount(v); ok {
			p.Remaining = n
		} else {
			i.ignore(prefix+"Remaining", "not a non-negative integer")
		}
	}
	if v, ok := get(prefix + "Reset-After"); ok {
		if f, ok := parseNumber(v); ok {
			p.Reset, p.ResetForm = secondsDuration(f), "delta seconds"
		} else {
			i.ignore(prefix+"Reset-After", "not a non-negative number of seconds")
		}
	}
	if v, ok := get(prefix + "Reset"); ok {
		d, form, reason := parseReset(v, now)
		switch {
		case reason != "":
			i.ignore(prefix+"Reset", reason)
		case p.Reset < 0:
			p.Reset, p.ResetForm = d, form
		}
	}
	if p.Limit < 0 && p.Remaining < 0 {
		if p.Reset >= 0 {
			i.ignore(prefix+"Reset", "a reset without a limit or a remaining count")
		}
	} else {
		if p.Limit < 0 {
			p.Header = prefix + "Remaining"
		}
		i.add(p)
	}
	for _, w := range rateLimitWindows {
		lh, rh := prefix+"Limit-"+w.suffix, prefix+"Remaining-"+w.suffix
		q := newPolicy(scheme, lh)
		q.Window = w.d
		if v, ok := get(lh); ok {
			if n, ok := parseCount(v); ok {
				q.Limit = n
			} else {
				i.ignore(lh, "not a non-negative integer")
			}
		}
		if v, ok := get(rh); ok {
			if n, ok := parseCount(v); ok {
				q.Remaining = n
			} else {
				i.ignore(rh, "not a non-negative integer")
			}
		}
		if q.Limit >= 0 || q.Remaining >= 0 {
			if q.Limit < 0 {
				q.Header = rh
			}
			i.add(q)
		}
	}
}

// parseLimitValue reads "100" or the draft-06 "100, 100;w=60, 1000;w=3600":
// the first quota, and its window when the value names one.
func parseLimitValue(v string) (int64, time.Duration, string) {
	first, rest, _ := strings.Cut(v, ",")
	n, ok := parseCount(strings.TrimSpace(first))
	if !ok {
		return -1, 0, "not a non-negative integer"
	}
	if rest == "" {
		return n, 0, ""
	}
	members, err := parseSFList(strings.TrimSpace(rest))
	if err != nil {
		return n, 0, ""
	}
	for _, m := range members {
		if m.item.kind != sfInteger || m.item.i != n {
			continue
		}
		if w, ok := m.param("w"); ok && w.kind == sfInteger && w.i > 0 {
			return n, secondsDuration(float64(w.i)), ""
		}
	}
	return n, 0, ""
}

// parseCount reads a non-negative decimal integer of at most 18 digits.
func parseCount(v string) (int64, bool) {
	v = strings.TrimSpace(v)
	if v == "" || len(v) > 18 {
		return 0, false
	}
	for j := 0; j < len(v); j++ {
		if v[j] < '0' || v[j] > '9' {
			return 0, false
		}
	}
	n, err := strconv.ParseInt(v, 10, 64)
	return n, err == nil
}

// parseNumber reads a non-negative decimal number: digits, optionally a
// point and more digits.
func parseNumber(v string) (float64, bool) {
	v = strings.TrimSpace(v)
	if v == "" || len(v) > 32 {
		return 0, false
	}
	dot := false
	for j := 0; j < len(v); j++ {
		switch c := v[j]; {
		case c >= '0' && c <= '9':
		case c == '.' && !dot && j > 0 && j < len(v)-1:
			dot = true
		default:
			return 0, false
		}
	}
	f, err := strconv.ParseFloat(v, 64)
	if err != nil || math.IsInf(f, 0) || math.IsNaN(f) {
		return 0, false
	}
	return f, true
}

// parseReset reads a reset value by the magnitude rule of
// [ParseRateLimit]: the delay until the reset and how it was read.
func parseReset(v string, now time.Time) (time.Duration, string, string) {
	f, ok := parseNumber(v)
	if !ok {
		if t, err := http.ParseTime(strings.TrimSpace(v)); err == nil {
			return untilTime(t, now), "HTTP date", ""
		}
		return -1, "", "neither a number nor an HTTP date"
	}
	switch {
	case f >= epochMillisMin:
		sec := math.Floor(f / 1000)
		return untilTime(time.Unix(int64(math.Min(sec, 1e15)), int64(math.Mod(f, 1000))*1e6), now), "epoch milliseconds", ""
	case f >= epochSecondsMin:
		sec := math.Floor(f)
		return untilTime(time.Unix(int64(sec), int64((f-sec)*1e9)), now), "epoch seconds", ""
	case f > deltaSecondsMax:
		return secondsDuration(f / 1000), "milliseconds", ""
	default:
		return secondsDuration(f), "delta seconds", ""
	}
}

// ParseRetryAfter reads a Retry-After value (RFC 9110 10.2.3):
// delay-seconds or an HTTP date, relative to now. A date in the past is a
// delay of 0. A reason is returned when the value is neither; delays are
// capped at 100 years.
func ParseRetryAfter(v string, now time.Time) (time.Duration, string) {
	v = strings.TrimSpace(v)
	if f, ok := parseNumber(v); ok {
		return secondsDuration(f), ""
	}
	if t, err := http.ParseTime(v); err == nil {
		return untilTime(t, now), ""
	}
	return -1, "neither delay-seconds nor an HTTP date"
}

// secondsDuration converts seconds to a duration, capped at maxDelay.
func secondsDuration(s float64) time.Duration {
	if s <= 0 || math.IsNaN(s) {
		return 0
	}
	if s >= maxDelay.Seconds() {
		return maxDelay
	}
	return time.Duration(s * float64(time.Second)).Round(time.Millisecond)
}

// untilTime is the delay from now to t: 0 when t has passed, at most
// maxDelay.
func untilTime(t, now time.Time) time.Duration {
	if !t.After(now) {
		return 0
	}
	if t.Sub(now) >= maxDelay || t.After(now.Add(maxDelay)) {
		return maxDelay
	}
	return t.Sub(now).Round(time.Second)
}

// A minimal structured-field parser (RFC 9651) for the rate-limit
// headers: lists and dictionaries of bare items with parameters. Inner
// lists are rejected; that is all these fields need.

type sfKind int

const (
	sfInteger sfKind = iota + 1
	sfDecimal
	sfString
	sfToken
	sfBoolean
	sfBytes
)

type sfItem struct {
	kind sfKind
	i    int64
	s    string // string, token or byte sequence text
}

type sfParam struct {
	key string
	val sfItem
}

type sfMember struct {
	key    string // dictionaries only
	item   sfItem
	params []sfParam
}

func (m sfMember) param(key string) (sfItem, bool) {
	for _, p := range m.params {
		if p.key == key {
			return p.val, true
		}
	}
	return sfItem{}, false
}

type sfDict []sfMember

func (d sfDict) get(key string) (sfItem, bool) {
	for j := len(d) - 1; j >= 0; j-- { // the last one wins
		if d[j].key == key {
			return d[j].item, true
		}
	}
	return sfItem{}, false
}

func (d sfDict) has(key string) bool { _, ok := d.get(key); return ok }

type sfParser struct {
	s   string
	pos int
}

func (p *sfParser) errorf(format string, args ...any) error {
	return fmt.Errorf("at byte %d: %s", p.pos, fmt.Sprintf(format, args...))
}

func (p *sfParser) skipOWS() {
	for p.pos < len(p.s) && (p.s[p.pos] == ' ' || p.s[p.pos] == '\t') {
		p.pos++
	}
}

func (p *sfParser) skipSP() {
	for p.pos < len(p.s) && p.s[p.pos] == ' ' {
		p.pos++
	}
}

func parseSFList(s string) ([]sfMember, error) {
	p := &sfParser{s: strings.TrimSpace(s)}
	var out []sfMember
	for p.pos < len(p.s) {
		if len(out) >= rateLimitMaxPolicies*4 {
			return out, p.errorf("too many members")
		}
		if p.s[p.pos] == '(' {
			return out, p.errorf("inner lists are not expected")
		}
		it, err := p.bareItem()
		if err != nil {
			return out, err
		}
		params, err := p.params()
		if err != nil {
			return out, err
		}
		out = append(out, sfMember{item: it, params: params})
		if err := p.next(); err != nil {
			return out, err
		}
	}
	return out, nil
}

func parseSFDictionary(s string) (sfDict, error) {
	p := &sfParser{s: strings.TrimSpace(s)}
	var out sfDict
	for p.pos < len(p.s) {
		if len(out) >= rateLimitMaxPolicies*4 {
			return out, p.errorf("too many members")
		}
		key, err := p.key()
		if err != nil {
			return out, err
		}
		m := sfMember{key: key, item: sfItem{kind: sfBoolean, i: 1}}
		if p.pos < len(p.s) && p.s[p.pos] == '=' {
			p.pos++
			if p.pos < len(p.s) && p.s[p.pos] == '(' {
				return out, p.errorf("inner lists are not expected")
			}
			if m.item, err = p.bareItem(); err != nil {
				return out, err
			}
		}
		if m.params, err = p.params(); err != nil {
			return out, err
		}
		out = append(out, m)
		if err := p.next(); err != nil {
			return out, err
		}
	}
	return out, nil
}

// next consumes the comma between members.
func (p *sfParser) next() error {
	p.skipOWS()
	if p.pos >= len(p.s) {
		return nil
	}
	if p.s[p.pos] != ',' {
		return p.errorf("expected a comma")
	}
	p.pos++
	p.skipOWS()
	if p.pos >= len(p.s) {
		return p.errorf("trailing comma")
	}
	return nil
}

func (p *sfParser) params() ([]sfParam, error) {
	var out []sfParam
	for p.pos < len(p.s) && p.s[p.pos] == ';' {
		p.pos++
		p.skipSP()
		key, err := p.key()
		if err != nil {
			return nil, err
		}
		val := sfItem{kind: sfBoolean, i: 1}
		if p.pos < len(p.s) && p.s[p.pos] == '=' {
			p.pos++
			if val, err = p.bareItem(); err != nil {
				return nil, err
			}
		}
		if len(out) >= 32 {
			return nil, p.errorf("too many parameters")
		}
		out = append(out, sfParam{key: key, val: val})
	}
	return out, nil
}

func (p *sfParser) key() (string, error) {
	start := p.pos
	if p.pos >= len(p.s) || !(p.s[p.pos] >= 'a' && p.s[p.pos] <= 'z' || p.s[p.pos] == '*') {
		return "", p.errorf("expected a key")
	}
	for p.pos < len(p.s) {
		c := p.s[p.pos]
		if c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '_' || c == '-' || c == '.' || c == '*' {
			p.pos++
			continue
		}
		break
	}
	return p.s[start:p.pos], nil
}

func (p *sfParser) bareItem() (sfItem, error) {
	if p.pos >= len(p.s) {
		return sfItem{}, p.errorf("expected an item")
	}
	switch c := p.s[p.pos]; {
	case c == '-' || c >= '0' && c <= '9':
		return p.number()
	case c == '"':
		return p.str()
	case c == '*' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z':
		start := p.pos
		p.pos++
		for p.pos < len(p.s) && (isTChar(p.s[p.pos]) || p.s[p.pos] == ':' || p.s[p.pos] == '/') {
			p.pos++
		}
		return sfItem{kind: sfToken, s: p.s[start:p.pos]}, nil
	case c == '?':
		if p.pos+1 < len(p.s) && (p.s[p.pos+1] == '0' || p.s[p.pos+1] == '1') {
			p.pos += 2
			return sfItem{kind: sfBoolean, i: int64(p.s[p.pos-1] - '0')}, nil
		}
		return sfItem{}, p.errorf("bad boolean")
	case c == ':':
		end := strings.IndexByte(p.s[p.pos+1:], ':')
		if end < 0 {
			return sfItem{}, p.errorf("unterminated byte sequence")
		}
		it := sfItem{kind: sfBytes, s: p.s[p.pos+1 : p.pos+1+end]}
		p.pos += end + 2
		return it, nil
	default:
		return sfItem{}, p.errorf("unexpected character")
	}
}

func (p *sfParser) number() (sfItem, error) {
	start := p.pos
	if p.s[p.pos] == '-' {
		p.pos++
	}
	digits, dot := 0, -1
	for p.pos < len(p.s) {
		c := p.s[p.pos]
		if c >= '0' && c <= '9' {
			digits++
			p.pos++
			continue
		}
		if c == '.' && dot < 0 && digits > 0 {
			dot = p.pos
			p.pos++
			continue
		}
		break
	}
	text := p.s[start:p.pos]
	if digits == 0 || digits > 15 || dot == p.pos-1 {
		return sfItem{}, p.errorf("bad number")
	}
	if dot >= 0 {
		return sfItem{kind: sfDecimal, s: text}, nil
	}
	n, err := strconv.ParseInt(text, 10, 64)
	if err != nil {
		return sfItem{}, p.errorf("bad integer")
	}
	return sfItem{kind: sfInteger, i: n}, nil
}

func (p *sfParser) str() (sfItem, error) {
	p.pos++ // opening quote
	var b strings.Builder
	for p.pos < len(p.s) {
		c := p.s[p.pos]
		p.pos++
		switch {
		case c == '\\':
			if p.pos >= len(p.s) || (p.s[p.pos] != '"' && p.s[p.pos] != '\\') {
				return sfItem{}, p.errorf("bad escape in string")
			}
			b.WriteByte(p.s[p.pos])
			p.pos++
		case c == '"':
			return sfItem{kind: sfString, s: b.String()}, nil
		case c < 0x20 || c > 0x7e:
			return sfItem{}, p.errorf("bad character in string")
		default:
			b.WriteByte(c)
		}
	}
	return sfItem{}, p.errorf("unterminated string")
}

func isTChar(c byte) bool {
	switch {
	case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9':
		return true
	}
	return strings.IndexByte("!#$%&'*+-.^_`|~", c) >= 0
}
