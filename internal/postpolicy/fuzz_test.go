package postpolicy_test

import (
	"encoding/base64"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/ossdirect/ossdirect/internal/postpolicy"
	"github.com/ossdirect/ossdirect/policy"
)

// FuzzDecode feeds arbitrary documents to Parse and Decode. Properties:
// no panics; every error is an *Error wrapping ErrInvalidPolicy; a policy
// that decodes is valid, encodes, and decodes again to the same policy
// (expiration at the millisecond precision of the canonical form); and
// Decode of the document's Base64 agrees with Parse.
//
// The input is the JSON document rather than its Base64, so the fuzzer's
// mutations reach the JSON and policy layers; the raw input is also given
// to Decode to exercise the Base64 layer.
func FuzzDecode(f *testing.F) {
	f.Fuzz(func(t *testing.T, doc []byte) {
		if _, err := postpolicy.Decode(string(doc)); err != nil {
			checkErrorShape(t, err, policy.ErrInvalidPolicy)
		}
		p, err := postpolicy.Parse(doc)
		viaB64, errB64 := postpolicy.Decode(base64.StdEncoding.EncodeToString(doc))
		if err != nil {
			checkErrorShape(t, err, policy.ErrInvalidPolicy)
			if len(doc) > 0 && (errB64 == nil || errB64.Error() != err.Error()) {
				t.Fatalf("Parse error %v, Decode(base64) error %v", err, errB64)
			}
			return
		}
		if errB64 != nil {
			t.Fatalf("Parse ok, Decode(base64) error %v", errB64)
		}
		if diff := cmp.Diff(p, viaB64, equalTime); diff != "" {
			t.Fatalf("Decode(base64) differs from Parse:\n%s", diff)
		}
		if err := p.Validate(); err != nil {
			t.Fatalf("parsed policy does not validate: %v", err)
		}
		enc, err := p.Encode()
		if err != nil {
			t.Fatalf("Encode of parsed policy: %v", err)
		}
		again, err := postpolicy.Decode(enc)
		if err != nil {
			t.Fatalf("Decode(Encode(p)): %v\nencoded JSON: %s", err, mustJSON(t, p))
		}
		want := *p
		want.Expiration = want.Expiration.Truncate(time.Millisecond)
		if diff := cmp.Diff(&want, again, equalTime); diff != "" {
			t.Fatalf("round trip mismatch (-want +got):\n%s", diff)
		}
		// Canonical form is a fixed point.
		enc2, err := again.Encode()
		if err != nil || enc2 != enc {
			t.Fatalf("Encode not stable: %q vs %q (%v)", enc, enc2, err)
		}
	})
}

func mustJSON(t *testing.T, p *policy.Policy) string {
	b, err := p.MarshalJSON()
	if err != nil {
		t.Fatalf("MarshalJSON: %v", err)
	}
	return string(b)
}

// checkErrorShape asserts err is an *Error wrapping sentinel with a
// non-empty OSS code and message.
func checkErrorShape(t *testing.T, err error, sentinel error) {
	t.Helper()
	var pe *postpolicy.Error
	if !errors.As(err, &pe) {
		t.Fatalf("error %v (%T) is not *postpolicy.Error", err, err)
	}
	if !errors.Is(err, sentinel) {
		t.Fatalf("error %v does not wrap %v", err, sentinel)
	}
	if pe.Code == "" || pe.Message == "" || (pe.Status != 400 && pe.Status != 403) {
		t.Fatalf("incomplete error %+v", pe)
	}
}

// FuzzCheck evaluates decoded policies against fuzzed forms. Properties:
// no panics; Check is deterministic (same result on every call, whatever
// the map iteration order); Check agrees with a straightforward reference
// evaluator; CheckSize agrees with SizeRange.
func FuzzCheck(f *testing.F) {
	f.Fuzz(func(t *testing.T, doc []byte, nowMilli int64, bucket, k1, v1, k2, v2 string, size int64) {
		p, err := postpolicy.Parse(doc)
		if err != nil {
			return
		}
		now := time.UnixMilli(nowMilli)
		fields := map[string]string{k1: v1, k2: v2}

		first := postpolicy.Check(p, now, bucket, fields)
		for range 3 {
			if again := postpolicy.Check(p, now, bucket, fields); !sameError(first, again) {
				t.Fatalf("Check not deterministic: %v then %v", first, again)
			}
		}
		if want := referenceCheck(p, now, bucket, fields); !sameError(want, first) {
			t.Fatalf("Check = %v, reference = %v", first, want)
		}
		if first != nil {
			var pe *postpolicy.Error
			if !errors.As(first, &pe) {
				t.Fatalf("Check error %T", first)
			}
			if !errors.Is(first, postpolicy.ErrExpired) && !errors.Is(first, postpolicy.ErrConditionFailed) {
				t.Fatalf("Check error wraps neither ErrExpired nor ErrConditionFailed: %v", first)
			}
		}

		min, max, ok := postpolicy.SizeRange(p)
		sizeErr := postpolicy.CheckSize(p, size)
		if inRange := !ok || (min <= size && size <= max); inRange != (sizeErr == nil) {
			t.Fatalf("CheckSize(%d) = %v but SizeRange = %d, %d, %v", size, sizeErr, min, max, ok)
		}
	})
}

// referenceCheck is Check written the obvious way, as a test oracle: build
// the list of values per condition, then judge.
func referenceCheck(p *policy.Policy, now time.Time, bucket string, fields map[string]string) error {
	if !now.Before(p.Expiration) {
		return errExpired
	}
	for _, c := range p.Conditions {
		if c.Op == policy.OpContentLengthRange {
			continue
		}
		var values []string
		if strings.EqualFold(c.Field, "bucket") {
			values = []string{bucket}
		} else {
			for k, v := range fields {
				if strings.EqualFold(k, c.Field) {
					values = append(values, v)
				}
			}
		}
		if len(values) == 0 {
			return failed(c, c.String(), absent)
		}
		for _, v := range values {
			var ok bool
			switch c.Op {
			case policy.OpEq:
				ok = v == c.Value
			case policy.OpStartsWith:
				ok = strings.HasPrefix(v, c.Value)
			case policy.OpIn, policy.OpNotIn:
				found := false
				for _, x := range c.Values {
					found = found || x == v
				}
				ok = found == (c.Op == policy.OpIn)
			}
			if !ok {
				return failed(c, c.String(), mismatch)
			}
		}
	}
	return nil
}

func sameError(a, b error) bool {
	if a == nil || b == nil {
		return a == nil && b == nil
	}
	var pa, pb *postpolicy.Error
	if !errors.As(a, &pa) || !errors.As(b, &pb) {
		return false
	}
	return cmp.Equal(*pa, *pb, cmp.Comparer(func(x, y error) bool { return x == y }))
}

// FuzzEncode builds policies from the constructors with fuzzed names,
// values, bounds and times. Properties: a policy ValidateAt accepts encodes,
// decodes back to itself (expiration truncated to milliseconds), encodes to
// the same text again, and is not yet expired at now; a policy Validate
// refuses cannot be encoded, and both report the same error.
func FuzzEncode(f *testing.F) {
	f.Fuzz(func(t *testing.T, mask uint16, f1, v1, f2, v2 string, lo, hi, nowNano, ttlNano int64) {
		now := time.Unix(0, nowNano)
		cands := []policy.Condition{
			policy.Bucket(v1), policy.Key(v2), policy.KeyPrefix(v1), policy.AnyKey(),
			policy.Exact(f1, v1), policy.Eq(f2, v2), policy.StartsWith(f1, v2),
			policy.In(f2, v1, v2), policy.NotIn(f1, v2), policy.ContentLengthRange(lo, hi),
			policy.ContentTypes(v1, v2), policy.Meta(f1, v1), policy.CallbackVar(f2, v2),
			policy.SecurityToken(v1), policy.Callback(v2), policy.ObjectACL(v1),
		}
		var conds []policy.Condition
		for i, c := range cands {
			if mask&(1<<i) != 0 {
				conds = append(conds, c)
			}
		}
		p := policy.New(now.Add(time.Duration(ttlNano)), conds...)

		enc, encErr := p.Encode()
		if verr := p.Validate(); verr != nil {
			if encErr == nil || encErr.Error() != verr.Error() {
				t.Fatalf("Validate = %v but Encode error = %v", verr, encErr)
			}
			var ve *policy.ValidationError
			if !errors.As(verr, &ve) || !errors.Is(verr, policy.ErrInvalidPolicy) || ve.Reason == "" {
				t.Fatalf("Validate error %v (%T) is not a *policy.ValidationError with a reason wrapping ErrInvalidPolicy", verr, verr)
			}
			return
		}
		if encErr != nil {
			t.Fatalf("Validate ok, Encode: %v", encErr)
		}
		got, err := postpolicy.Decode(enc)
		if err != nil {
			t.Fatalf("Decode(Encode(p)): %v\nJSON: %s", err, mustJSON(t, &p))
		}
		want := p
		want.Expiration = want.Expiration.Truncate(time.Millisecond)
		if diff := cmp.Diff(&want, got, equalTime); diff != "" {
			t.Fatalf("round trip mismatch (-want +got):\n%s", diff)
		}
		if enc2, err := got.Encode(); err != nil || enc2 != enc {
			t.Fatalf("Encode not stable: %q vs %q (%v)", enc, enc2, err)
		}
		if p.ValidateAt(now) == nil {
			if err := postpolicy.Check(got, now, "", nil); errors.Is(err, postpolicy.ErrExpired) {
				t.Fatalf("ValidateAt(%v) accepted a policy that is expired at now once encoded (expiration %v)", now, got.Expiration)
			}
		}
	})
}
