package interop

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/aliyun/alibabacloud-oss-go-sdk-v2/oss"
)

// What a backend does once an upload is in (issue "after the upload"):
// each operation stores, changes or lists something and reads the effect
// back. Both drivers describe what they read back in the same words
// (opResult.Got, keys relative to the row's prefix), so one expectation
// holds for every client.

// matrixBucket2 is the second bucket the emulator starts with, the target
// of the cross-bucket copy.
const matrixBucket2 = "otherbucket"

// afterOps are the after-upload operations, run after matrixOps' own.
var afterOps = []string{"objectMeta", "copyReplace", "copyCrossBucket", "listV2", "listV1", "tagging",
	"deleteMulti", "abortMultipart", "presignedDisposition", "sse", "append", "partCopy", "buckets", "bucketTags"}

var afterTitles = map[string]string{
	"objectMeta":           "GetObjectMeta",
	"copyReplace":          "CopyObject, REPLACE",
	"copyCrossBucket":      "CopyObject across buckets",
	"listV2":               "ListObjectsV2, delimiter + pages",
	"listV1":               "ListObjects v1, marker",
	"tagging":              "tagging put/get/delete",
	"deleteMulti":          "DeleteMultipleObjects",
	"abortMultipart":       "ListMultipartUploads + Abort",
	"presignedDisposition": "presigned GET, response-content-disposition",
	"sse":                  "SSE header echoed",
	"append":               "AppendObject",
	"partCopy":             "UploadPartCopy, ranges",
	"buckets":              "PutBucket, GetBucketInfo, ListBuckets, DeleteBucket",
	"bucketTags":           "bucket tags, ListBuckets by tag",
}

// matrixDisposition is the response-content-disposition a presigned GET
// asks for: the download is saved under the original name.
const matrixDisposition = `attachment; filename="report.txt"`

// afterWant is what each client must read back (Got).
var afterWant = map[string]string{
	// GetObject of the copy: body, Content-Type, x-oss-meta-color.
	"copyReplace":     "copy me|text/markdown|color=green",
	"copyCrossBucket": "copy me|text/plain|color=blue",
	// list/{a,b,c}.txt, list/dir1/x.txt, list/dir2/y.txt; max-keys 2 with
	// delimiter "/": five entries, three pages.
	"listV2": "pages=3 keys=a.txt,b.txt,c.txt prefixes=dir1/,dir2/",
	// marker list/a.txt, max-keys 3, no delimiter.
	"listV1": "pages=2 keys=b.txt,c.txt,dir1/x.txt,dir2/y.txt",
	// GetObjectTagging after a PutObject with x-oss-tagging, after
	// PutObjectTagging, after DeleteObjectTagging.
	"tagging": "status=pending|status=ready|",
	// OSS lists a key that does not exist as deleted (verbose), and answers
	// quiet mode without a body:
	// https://help.aliyun.com/en/oss/user-guide/0016-00000610
	"deleteMulti":          "verbose=a.txt,b.txt,missing.txt quiet= remaining=dir1/x.txt,dir2/y.txt",
	"abortMultipart":       "listed=abandoned.bin after=",
	"presignedDisposition": matrixDisposition,
	"sse":                  "put=AES256 head=AES256",
	// HEAD of an Appendable object says where the next append goes:
	// https://help.aliyun.com/en/oss/user-guide/0026-00000017
	"append": "hello world|Appendable|next=11",
	// matrixbuckets_test.go
	"bucketTags": bucketTagsWant,
	// Part 1 is bytes 0-102399 of multi.bin, part 2 bytes 200000-200009
	// (a last part may be small); the object is their concatenation.
	"partCopy": "size=102410 same=true Multipart",
	// DeleteBucket of a bucket with an object is 409 BucketNotEmpty; once
	// empty it is deleted, and GetBucketInfo is then 404 NoSuchBucket:
	// https://www.alibabacloud.com/help/en/oss/developer-reference/deletebucket
	"buckets": "info=ok listed=1 full=BucketNotEmpty after=NoSuchBucket",
}

// matrixPartRanges are the source ranges of partCopy, inclusive.
var matrixPartRanges = [][2]int64{{0, 102399}, {200000, 200009}}

// matrixRowBucket is the bucket a row makes and deletes in "buckets".
func matrixRowBucket(prefix string) string {
	return "mx-" + strings.Trim(strings.ReplaceAll(prefix, "/", "-"), "-")
}

// afterError is opError for the after-upload operations.
func afterError(op string, r opResult, results map[string]opResult) error {
	switch op {
	case "objectMeta":
		if r.Size != results["multipartCallback"].Size || r.Got != "etag" {
			return fmt.Errorf("%s: size %d, %q; want the multipart object's %d and an ETag", op, r.Size, r.Got, results["multipartCallback"].Size)
		}
		return nil
	case "presignedDisposition":
		if r.MD5 != results["presignedPut"].MD5 {
			return fmt.Errorf("%s: md5 %s, want the presigned PUT's %s", op, r.MD5, results["presignedPut"].MD5)
		}
	}
	if want, ok := afterWant[op]; !ok || r.Got != want {
		return fmt.Errorf("%s: read back %q, want %q", op, r.Got, want)
	}
	return nil
}

// goSDKAfterOps runs the after-upload operations with the Go SDK v2.
func goSDKAfterOps(client *oss.Client, prefix string, res map[string]opResult) {
	ctx := context.Background()
	b1, b2 := oss.Ptr(testBucket), oss.Ptr(matrixBucket2)
	k := func(s string) *string { return oss.Ptr(prefix + s) }
	run := func(op string, f func() (string, error)) {
		got, err := f()
		if err != nil {
			res[op] = opResult{Error: err.Error()}
			return
		}
		r := res[op]
		r.OK, r.Got = true, got
		res[op] = r
	}
	put := func(b *string, key, body string) error {
		_, err := client.PutObject(ctx, &oss.PutObjectRequest{Bucket: b, Key: k(key), Body: strings.NewReader(body)})
		return err
	}
	readBack := func(b *string, key string) (string, error) {
		out, err := client.GetObject(ctx, &oss.GetObjectRequest{Bucket: b, Key: k(key)})
		if err != nil {
			return "", err
		}
		defer out.Body.Close()
		body, err := io.ReadAll(out.Body)
		return fmt.Sprintf("%s|%s|color=%s", body, oss.ToString(out.ContentType), out.Metadata["color"]), err
	}
	run("objectMeta", func() (string, error) {
		out, err := client.GetObjectMeta(ctx, &oss.GetObjectMetaRequest{Bucket: b1, Key: k("multi.bin")})
		if err != nil {
			return "", err
		}
		res["objectMeta"] = opResult{Size: out.ContentLength}
		return map[bool]string{true: "etag"}[oss.ToString(out.ETag) != ""], nil
	})
	run("copyReplace", func() (string, error) {
		if _, err := client.PutObject(ctx, &oss.PutObjectRequest{Bucket: b1, Key: k("src.txt"), Body: strings.NewReader("copy me"),
			ContentType: oss.Ptr("text/plain"), Metadata: map[string]string{"color": "blue"}}); err != nil {
			return "", err
		}
		if _, err := client.CopyObject(ctx, &oss.CopyObjectRequest{Bucket: b1, Key: k("dst.txt"), SourceKey: k("src.txt"),
			MetadataDirective: oss.Ptr("REPLACE"), ContentType: oss.Ptr("text/markdown"), Metadata: map[string]string{"color": "green"}}); err != nil {
			return "", err
		}
		return readBack(b1, "dst.txt")
	})
	run("copyCrossBucket", func() (string, error) {
		if _, err := client.CopyObject(ctx, &oss.CopyObjectRequest{Bucket: b2, Key: k("moved.txt"), SourceBucket: b1, SourceKey: k("src.txt")}); err != nil {
			return "", err
		}
		return readBack(b2, "moved.txt")
	})
	run("listV2", func() (string, error) {
		for _, key := range []string{"a.txt", "b.txt", "c.txt", "dir1/x.txt", "dir2/y.txt"} {
			if err := put(b1, "list/"+key, key); err != nil {
				return "", err
			}
		}
		var keys, prefixes []string
		pages := 0
		var token *string
		for {
			out, err := client.ListObjectsV2(ctx, &oss.ListObjectsV2Request{Bucket: b1, Prefix: k("list/"), Delimiter: oss.Ptr("/"), MaxKeys: 2, ContinuationToken: token})
			if err != nil {
				return "", err
			}
			pages++
			for _, o := range out.Contents {
				keys = append(keys, strings.TrimPrefix(oss.ToString(o.Key), prefix+"list/"))
			}
			for _, p := range out.CommonPrefixes {
				prefixes = append(prefixes, strings.TrimPrefix(oss.ToString(p.Prefix), prefix+"list/"))
			}
			if !out.IsTruncated || pages > 10 {
				break
			}
			token = out.NextContinuationToken
		}
		return fmt.Sprintf("pages=%d keys=%s prefixes=%s", pages, strings.Join(keys, ","), strings.Join(prefixes, ",")), nil
	})
	listKeys := func() ([]string, int, error) {
		var keys []string
		pages := 0
		marker := k("list/a.txt")
		for {
			out, err := client.ListObjects(ctx, &oss.ListObjectsRequest{Bucket: b1, Prefix: k("list/"), Marker: marker, MaxKeys: 3})
			if err != nil {
				return nil, 0, err
			}
			pages++
			for _, o := range out.Contents {
				keys = append(keys, strings.TrimPrefix(oss.ToString(o.Key), prefix+"list/"))
			}
			if !out.IsTruncated || pages > 10 {
				return keys, pages, nil
			}
			marker = out.NextMarker
		}
	}
	run("listV1", func() (string, error) {
		keys, pages, err := listKeys()
		return fmt.Sprintf("pages=%d keys=%s", pages, strings.Join(keys, ",")), err
	})
	run("tagging", func() (string, error) {
		if _, err := client.PutObject(ctx, &oss.PutObjectRequest{Bucket: b1, Key: k("tagged.txt"), Body: strings.NewReader("t"), Tagging: oss.Ptr("status=pending")}); err != nil {
			return "", err
		}
		var seen []string
		read := func() error {
			out, err := client.GetObjectTagging(ctx, &oss.GetObjectTaggingRequest{Bucket: b1, Key: k("tagged.txt")})
			if err != nil {
				return err
			}
			var tags []string
			for _, t := range out.Tags {
				tags = append(tags, oss.ToString(t.Key)+"="+oss.ToString(t.Value))
			}
			seen = append(seen, strings.Join(tags, "&"))
			return nil
		}
		if err := read(); err != nil {
			return "", err
		}
		if _, err := client.PutObjectTagging(ctx, &oss.PutObjectTaggingRequest{Bucket: b1, Key: k("tagged.txt"),
			Tagging: &oss.Tagging{TagSet: &oss.TagSet{Tags: []oss.Tag{{Key: oss.Ptr("status"), Value: oss.Ptr("ready")}}}}}); err != nil {
			return "", err
		}
		if err := read(); err != nil {
			return "", err
		}
		if _, err := client.DeleteObjectTagging(ctx, &oss.DeleteObjectTaggingRequest{Bucket: b1, Key: k("tagged.txt")}); err != nil {
			return "", err
		}
		err := read()
		return strings.Join(seen, "|"), err
	})
	run("deleteMulti", func() (string, error) {
		del := func(quiet bool, keys ...string) (string, error) {
			var objs []oss.DeleteObject
			for _, key := range keys {
				objs = append(objs, oss.DeleteObject{Key: k("list/" + key)})
			}
			out, err := client.DeleteMultipleObjects(ctx, &oss.DeleteMultipleObjectsRequest{Bucket: b1, Objects: objs, Quiet: quiet})
			if err != nil {
				return "", err
			}
			var deleted []string
			for _, d := range out.DeletedObjects {
				deleted = append(deleted, strings.TrimPrefix(oss.ToString(d.Key), prefix+"list/"))
			}
			return strings.Join(deleted, ","), nil
		}
		verbose, err := del(false, "a.txt", "b.txt", "missing.txt")
		if err != nil {
			return "", err
		}
		quiet, err := del(true, "c.txt")
		if err != nil {
			return "", err
		}
		out, err := client.ListObjectsV2(ctx, &oss.ListObjectsV2Request{Bucket: b1, Prefix: k("list/")})
		if err != nil {
			return "", err
		}
		var left []string
		for _, o := range out.Contents {
			left = append(left, strings.TrimPrefix(oss.ToString(o.Key), prefix+"list/"))
		}
		return fmt.Sprintf("verbose=%s quiet=%s remaining=%s", verbose, quiet, strings.Join(left, ",")), nil
	})
	run("abortMultipart", func() (string, error) {
		if _, err := client.InitiateMultipartUpload(ctx, &oss.InitiateMultipartUploadRequest{Bucket: b1, Key: k("abandoned.bin")}); err != nil {
			return "", err
		}
		list := func() ([]oss.Upload, error) {
			out, err := client.ListMultipartUploads(ctx, &oss.ListMultipartUploadsRequest{Bucket: b1, Prefix: oss.Ptr(prefix)})
			if err != nil {
				return nil, err
			}
			return out.Uploads, nil
		}
		names := func(ups []oss.Upload) string {
			var s []string
			for _, u := range ups {
				s = append(s, strings.TrimPrefix(oss.ToString(u.Key), prefix))
			}
			return strings.Join(s, ",")
		}
		before, err := list()
		if err != nil {
			return "", err
		}
		for _, u := range before {
			if _, err := client.AbortMultipartUpload(ctx, &oss.AbortMultipartUploadRequest{Bucket: b1, Key: u.Key, UploadId: u.UploadId}); err != nil {
				return "", err
			}
		}
		after, err := list()
		return fmt.Sprintf("listed=%s after=%s", names(before), names(after)), err
	})
	run("presignedDisposition", func() (string, error) {
		p, err := client.Presign(ctx, &oss.GetObjectRequest{Bucket: b1, Key: k("presigned.txt"), ResponseContentDisposition: oss.Ptr(matrixDisposition)},
			oss.PresignExpires(time.Minute))
		if err != nil {
			return "", err
		}
		resp, err := http.Get(p.URL)
		if err != nil {
			return "", err
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != 200 {
			return "", fmt.Errorf("presigned GET: %d %s", resp.StatusCode, body)
		}
		res["presignedDisposition"] = opResult{MD5: md5hex(body), Size: int64(len(body))}
		return resp.Header.Get("Content-Disposition"), nil
	})
	run("sse", func() (string, error) {
		out, err := client.PutObject(ctx, &oss.PutObjectRequest{Bucket: b1, Key: k("sse.txt"), Body: strings.NewReader("secret"), ServerSideEncryption: oss.Ptr("AES256")})
		if err != nil {
			return "", err
		}
		head, err := client.HeadObject(ctx, &oss.HeadObjectRequest{Bucket: b1, Key: k("sse.txt")})
		if err != nil {
			return "", err
		}
		return fmt.Sprintf("put=%s head=%s", out.Headers.Get("X-Oss-Server-Side-Encryption"), oss.ToString(head.ServerSideEncryption)), nil
	})
	run("partCopy", func() (string, error) { return goSDKPartCopy(ctx, client, prefix) })
	run("buckets", func() (string, error) { return goSDKBuckets(ctx, client, matrixRowBucket(prefix)) })
	run("bucketTags", func() (string, error) { return goSDKBucketTags(ctx, client, matrixTagsBucket(prefix)) })
	run("append", func() (string, error) {
		a, err := client.AppendObject(ctx, &oss.AppendObjectRequest{Bucket: b1, Key: k("log.txt"), Position: oss.Ptr(int64(0)), Body: strings.NewReader("hello ")})
		if err != nil {
			return "", err
		}
		if _, err := client.AppendObject(ctx, &oss.AppendObjectRequest{Bucket: b1, Key: k("log.txt"), Position: oss.Ptr(a.NextPosition), Body: bytes.NewReader([]byte("world"))}); err != nil {
			return "", err
		}
		out, err := client.GetObject(ctx, &oss.GetObjectRequest{Bucket: b1, Key: k("log.txt")})
		if err != nil {
			return "", err
		}
		defer out.Body.Close()
		body, err := io.ReadAll(out.Body)
		if err != nil {
			return "", err
		}
		head, err := client.HeadObject(ctx, &oss.HeadObjectRequest{Bucket: b1, Key: k("log.txt")})
		if err != nil {
			return "", err
		}
		return fmt.Sprintf("%s|%s|next=%s", body, oss.ToString(head.ObjectType), oss.ToString(head.NextAppendPosition)), nil
	})
}

// goSDKPartCopy makes an object of two ranges of multi.bin with
// UploadPartCopy and reads it back.
func goSDKPartCopy(ctx context.Context, client *oss.Client, prefix string) (string, error) {
	b1, key := oss.Ptr(testBucket), oss.Ptr(prefix+"partcopy.bin")
	up, err := client.InitiateMultipartUpload(ctx, &oss.InitiateMultipartUploadRequest{Bucket: b1, Key: key})
	if err != nil {
		return "", err
	}
	var parts []oss.UploadPart
	var want []byte
	src := bytes.Join(matrixParts, nil)
	for i, rg := range matrixPartRanges {
		out, err := client.UploadPartCopy(ctx, &oss.UploadPartCopyRequest{Bucket: b1, Key: key, UploadId: up.UploadId,
			PartNumber: int32(i + 1), SourceKey: oss.Ptr(prefix + "multi.bin"), Range: oss.Ptr(fmt.Sprintf("bytes=%d-%d", rg[0], rg[1]))})
		if err != nil {
			return "", err
		}
		parts = append(parts, oss.UploadPart{PartNumber: int32(i + 1), ETag: out.ETag})
		want = append(want, src[rg[0]:rg[1]+1]...)
	}
	if _, err := client.CompleteMultipartUpload(ctx, &oss.CompleteMultipartUploadRequest{Bucket: b1, Key: key, UploadId: up.UploadId,
		CompleteMultipartUpload: &oss.CompleteMultipartUpload{Parts: parts}}); err != nil {
		return "", err
	}
	out, err := client.GetObject(ctx, &oss.GetObjectRequest{Bucket: b1, Key: key})
	if err != nil {
		return "", err
	}
	defer out.Body.Close()
	got, err := io.ReadAll(out.Body)
	return fmt.Sprintf("size=%d same=%t %s", len(got), bytes.Equal(got, want), oss.ToString(out.ObjectType)), err
}

// goSDKBuckets makes a bucket, finds it, fills it, and deletes it.
func goSDKBuckets(ctx context.Context, client *oss.Client, name string) (string, error) {
	b := oss.Ptr(name)
	if _, err := client.PutBucket(ctx, &oss.PutBucketRequest{Bucket: b}); err != nil {
		return "", err
	}
	info, err := client.GetBucketInfo(ctx, &oss.GetBucketInfoRequest{Bucket: b})
	if err != nil {
		return "", err
	}
	list, err := client.ListBuckets(ctx, &oss.ListBucketsRequest{Prefix: b})
	if err != nil {
		return "", err
	}
	if _, err := client.PutObject(ctx, &oss.PutObjectRequest{Bucket: b, Key: oss.Ptr("x.txt"), Body: strings.NewReader("x")}); err != nil {
		return "", err
	}
	code := func(err error) string {
		var se *oss.ServiceError
		if errors.As(err, &se) {
			return se.Code
		}
		return fmt.Sprint(err)
	}
	_, err = client.DeleteBucket(ctx, &oss.DeleteBucketRequest{Bucket: b})
	full := code(err)
	if _, err := client.DeleteObject(ctx, &oss.DeleteObjectRequest{Bucket: b, Key: oss.Ptr("x.txt")}); err != nil {
		return "", err
	}
	if _, err := client.DeleteBucket(ctx, &oss.DeleteBucketRequest{Bucket: b}); err != nil {
		return "", err
	}
	_, err = client.GetBucketInfo(ctx, &oss.GetBucketInfoRequest{Bucket: b})
	named := oss.ToString(info.BucketInfo.Name)
	if named == name {
		named = "ok"
	}
	return fmt.Sprintf("info=%s listed=%d full=%s after=%s", named, len(list.Buckets), full, code(err)), nil
}
