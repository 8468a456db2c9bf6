package verify_test

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"

	"github.com/ossdirect/ossdirect/verify"
)

// A callback OSS really sent, checked against the embedded copy of OSS's
// 512-bit key on current Go, without GODEBUG.
func ExampleVerifyPKCS1v15MD5() {
	// The string OSS signs: the URL-decoded path, the raw query if any, a
	// newline and the body (https://www.alibabacloud.com/help/en/oss/developer-reference/callback).
	msg := "/api/v3/callback/oss/TnXx5E5VyfJUyM1UdkdDu1rtnJ34EbmH\n" +
		`{"name":"2f7b2ccf30e9270ea920f1ab8a4037a546a2f0d5.jpg","source_name":"1/1_hFRtDLgM_2f7b2ccf30e9270ea920f1ab8a4037a546a2f0d5.jpg","size":114020,"pic_info":"810,539"}`
	sig, _ := base64.StdEncoding.DecodeString("e5LwzwTkP9AFAItT4YzvdJOHd0Y0wqTMWhsV/h5SG90JYGAmMd+8LQyj96R+9qUfJWjMt6suuUh7LaOryR87Dw==")

	fmt.Println(verify.VerifyPKCS1v15MD5(verify.OSSPublicKey(), []byte(msg), sig))

	tampered := []byte(msg)
	tampered[len(tampered)-3] = '0' // "810,539" -> "810,509"
	err := verify.VerifyPKCS1v15MD5(verify.OSSPublicKey(), tampered, sig)
	fmt.Println(errors.Is(err, verify.ErrBadSignature))
	// Output:
	// <nil>
	// true
}

// The default fetcher answers OSS's key URL from the embedded key and
// refuses look-alike hosts before making any request.
func ExampleDefaultFetcher() {
	keys := verify.DefaultFetcher()
	k, err := keys.FetchKey(context.Background(), verify.OSSKeyURL)
	fmt.Println(k.N.BitLen(), err)

	_, err = keys.FetchKey(context.Background(), "https://gosspublic.alicdn.com.evil.com/callback_pub_key_v1.pem")
	fmt.Println(errors.Is(err, verify.ErrUntrustedKeyURL))
	// Output:
	// 512 <nil>
	// true
}
