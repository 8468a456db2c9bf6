package interop

// sdkExpectations is how each selected SDK integration test ends against
// the standalone emulator: "pass", or "fail: " and the reason. The
// selection is the SDK's object-level tests (object basics, ACL, tagging,
// multipart, presign, copy, list, append) and its extension tests
// (uploader, downloader, copier, append and write-only files).
var sdkExpectations = map[string]string{
	// client_integration_object_basic_test.go
	"TestPutObject":             "fail: no PutBucket (the emulator has one bucket; each test first creates its own)",
	"TestGetObject":             "fail: no PutBucket (the emulator has one bucket; each test first creates its own)",
	"TestCopyObject":            "fail: no PutBucket (the emulator has one bucket; each test first creates its own)",
	"TestAppendObject":          "fail: no PutBucket (the emulator has one bucket; each test first creates its own)",
	"TestDeleteObject":          "fail: no PutBucket (the emulator has one bucket; each test first creates its own)",
	"TestDeleteMultipleObjects": "fail: no PutBucket (the emulator has one bucket; each test first creates its own)",
	"TestHeadObject":            "fail: no PutBucket (the emulator has one bucket; each test first creates its own)",
	"TestGetObjectMeta":         "fail: no PutBucket (the emulator has one bucket; each test first creates its own)",
	// client_integration_object_acl_test.go
	"TestPutObjectAcl": "fail: no PutBucket (the emulator has one bucket; each test first creates its own)",
	"TestGetObjectAcl": "fail: no PutBucket (the emulator has one bucket; each test first creates its own)",
	// client_integration_object_tagging_test.go
	"TestPutObjectTagging":    "fail: no PutBucket (the emulator has one bucket; each test first creates its own)",
	"TestGetObjectTagging":    "fail: no PutBucket (the emulator has one bucket; each test first creates its own)",
	"TestDeleteObjectTagging": "fail: no PutBucket (the emulator has one bucket; each test first creates its own)",
	// client_integration_object_multipart_test.go
	"TestInitiateMultipartUpload": "fail: no PutBucket (the emulator has one bucket; each test first creates its own)",
	"TestUploadPart":              "fail: no PutBucket (the emulator has one bucket; each test first creates its own)",
	"TestUploadPartCopy":          "fail: no PutBucket (the emulator has one bucket; each test first creates its own)",
	"TestCompleteMultipartUpload": "fail: no PutBucket (the emulator has one bucket; each test first creates its own)",
	"TestAbortMultipartUpload":    "fail: no PutBucket (the emulator has one bucket; each test first creates its own)",
	"TestListMultipartUploads":    "fail: no PutBucket (the emulator has one bucket; each test first creates its own)",
	"TestListParts":               "fail: no PutBucket (the emulator has one bucket; each test first creates its own)",
	// client_integration_presign_test.go
	"TestPresign":             "fail: no PutBucket (the emulator has one bucket; each test first creates its own)",
	"TestPresignExtra":        "fail: no PutBucket (the emulator has one bucket; each test first creates its own)",
	"TestPresignWithStsToken": "fail: no PutBucket (the emulator has one bucket; each test first creates its own)",
	// client_integration_bucket_basic_test.go (listing, buckets)
	"TestListObjects":   "fail: no PutBucket (the emulator has one bucket; each test first creates its own)",
	"TestListObjectsV2": "fail: no PutBucket (the emulator has one bucket; each test first creates its own)",
	"TestPutBucket":     "fail: no PutBucket (the emulator has one bucket; each test first creates its own)",
	"TestDeleteBucket":  "fail: no PutBucket (the emulator has one bucket; each test first creates its own)",
	"TestListBuckets":   "fail: no PutBucket (the emulator has one bucket; each test first creates its own)",
	"TestGetBucketInfo": "fail: no PutBucket (the emulator has one bucket; each test first creates its own)",
	// client_integration_misc_test.go
	"TestPaginator": "fail: no PutBucket (the emulator has one bucket; each test first creates its own)",
	// client_integration_object_extension_test.go
	"TestEncryptionClient":                                "fail: no PutBucket (the emulator has one bucket; each test first creates its own)",
	"TestClientExtension":                                 "fail: no PutBucket (the emulator has one bucket; each test first creates its own)",
	"TestGetObjectToFileV2":                               "fail: no PutBucket (the emulator has one bucket; each test first creates its own)",
	"TestClientAppendFile":                                "fail: no PutBucket (the emulator has one bucket; each test first creates its own)",
	"TestDownloaderTruncate":                              "fail: no PutBucket (the emulator has one bucket; each test first creates its own)",
	"TestUploaderWithSequential":                          "fail: no PutBucket (the emulator has one bucket; each test first creates its own)",
	"TestUploaderUploadFromTeeReader":                     "fail: no PutBucket (the emulator has one bucket; each test first creates its own)",
	"TestCopierWithNoCheckSSEFlags":                       "fail: no PutBucket (the emulator has one bucket; each test first creates its own)",
	"TestCopierWithNoCheckCrossBucketFlags":               "fail: no PutBucket (the emulator has one bucket; each test first creates its own)",
	"TestIntegrationWriteOnlyFileMultiPart":               "fail: no PutBucket (the emulator has one bucket; each test first creates its own)",
	"TestIntegrationWriteOnlyFileResume":                  "fail: no PutBucket (the emulator has one bucket; each test first creates its own)",
	"TestIntegrationWriteOnlyFileResumeNoSuchUpload":      "fail: no PutBucket (the emulator has one bucket; each test first creates its own)",
	"TestIntegrationWriteOnlyFileResumeInvalidCheckpoint": "fail: no PutBucket (the emulator has one bucket; each test first creates its own)",
	"TestIntegrationWriteOnlyFileInvalidCredentials":      "fail: no PutBucket (the emulator has one bucket; each test first creates its own)",
}
