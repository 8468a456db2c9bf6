package signer

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestStaticCredentials(t *testing.T) {
	tests := []struct {
		name    string
		in      StaticCredentials
		want    Credentials
		wantErr error
	}{
		{"permanent", StaticCredentials{AccessKeyID: "id", AccessKeySecret: "sk"}, Credentials{AccessKeyID: "id", AccessKeySecret: "sk"}, nil},
		{"sts", StaticCredentials{AccessKeyID: "STS.id", AccessKeySecret: "sk", SecurityToken: "tok"}, Credentials{AccessKeyID: "STS.id", AccessKeySecret: "sk", SecurityToken: "tok"}, nil},
		{"no id", StaticCredentials{AccessKeySecret: "sk"}, Credentials{}, ErrCredentials},
		{"no secret", StaticCredentials{AccessKeyID: "id"}, Credentials{}, ErrCredentials},
		{"zero", StaticCredentials{}, Credentials{}, ErrCredentials},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tt.in.GetCredentials(context.Background())
			if !errors.Is(err, tt.wantErr) || (tt.wantErr == nil) != (err == nil) {
				t.Fatalf("err = %v, want %v", err, tt.wantErr)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("credentials (-want +got):\n%s", diff)
			}
		})
	}
}

func TestEnvCredentials(t *testing.T) {
	tests := []struct {
		name          string
		id, sk, token string
		want          Credentials
		wantErr       error
		wantMsg       string // the variable the error must name
	}{
		{"permanent", "id", "sk", "", Credentials{AccessKeyID: "id", AccessKeySecret: "sk"}, nil, ""},
		{"sts", "STS.id", "sk", "tok", Credentials{AccessKeyID: "STS.id", AccessKeySecret: "sk", SecurityToken: "tok"}, nil, ""},
		{"no id", "", "sk", "tok", Credentials{}, ErrCredentials, envAccessKeyID},
		{"no secret", "id", "", "", Credentials{}, ErrCredentials, envAccessKeySecret},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv(envAccessKeyID, tt.id)
			t.Setenv(envAccessKeySecret, tt.sk)
			t.Setenv(envSessionToken, tt.token)
			got, err := EnvCredentials().GetCredentials(context.Background())
			if !errors.Is(err, tt.wantErr) || (tt.wantErr == nil) != (err == nil) {
				t.Fatalf("err = %v, want %v", err, tt.wantErr)
			}
			if err != nil && !strings.Contains(err.Error(), tt.wantMsg) {
				t.Errorf("error %q does not name %s", err, tt.wantMsg)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("credentials (-want +got):\n%s", diff)
			}
		})
	}
}

// EnvCredentials reads the environment on every call, so rotated
// variables take effect without rebuilding the provider.
func TestEnvCredentialsRereads(t *testing.T) {
	t.Setenv(envAccessKeyID, "one")
	t.Setenv(envAccessKeySecret, "sk")
	p := EnvCredentials()
	if c, _ := p.GetCredentials(context.Background()); c.AccessKeyID != "one" {
		t.Fatalf("AccessKeyID = %q, want one", c.AccessKeyID)
	}
	t.Setenv(envAccessKeyID, "two")
	if c, _ := p.GetCredentials(context.Background()); c.AccessKeyID != "two" {
		t.Errorf("AccessKeyID after rotation = %q, want two", c.AccessKeyID)
	}
}

func TestCredentialsProviderFunc(t *testing.T) {
	type ctxKey struct{}
	ctx := context.WithValue(context.Background(), ctxKey{}, "tenant-7")
	p := CredentialsProviderFunc(func(ctx context.Context) (Credentials, error) {
		return Credentials{AccessKeyID: ctx.Value(ctxKey{}).(string)}, nil
	})
	got, err := p.GetCredentials(ctx)
	if err != nil || got.AccessKeyID != "tenant-7" {
		t.Errorf("GetCredentials = %+v, %v; want the context's value passed through", got, err)
	}
}

// A nil CredentialsProviderFunc is reported as missing credentials, by
// itself and through Sign, instead of panicking.
func TestNilCredentialsProviderFunc(t *testing.T) {
	var f CredentialsProviderFunc
	if _, err := f.GetCredentials(context.Background()); !errors.Is(err, ErrCredentials) {
		t.Errorf("GetCredentials: err = %v, want ErrCredentials", err)
	}
	s := &Signer{Credentials: f, Bucket: "b", Region: "cn-hangzhou"}
	_, err := s.Sign(context.Background(), Upload{KeyPrefix: "u/", MaxSize: 1})
	if !errors.Is(err, ErrCredentials) || strings.Count(err.Error(), "signer:") != 1 {
		t.Errorf("Sign: err = %v, want ErrCredentials, read once", err)
	}
}
