package fakes3_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/smithy-go"

	"github.com/vpnlens/vpnlens/internal/fakes3"
)

var fakes3Time = time.Date(2026, 6, 13, 1, 0, 0, 0, time.UTC)

// client is the real SDK client on the fake, as source/s3logs makes it.
func client(f *fakes3.Server, region string) *s3.Client {
	return s3.New(s3.Options{
		Region: region, BaseEndpoint: aws.String(f.URL), UsePathStyle: true, RetryMaxAttempts: 1,
		Credentials:                credentials.NewStaticCredentialsProvider("AKIDFAKE", "secret", ""),
		ResponseChecksumValidation: aws.ResponseChecksumValidationWhenRequired,
	})
}

func code(err error) string {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		return ae.ErrorCode()
	}
	return ""
}

// The SDK reads the fake's answers as S3's: listings paged by
// continuation token and folded at a delimiter, ranged GETs, HEAD, and
// the error documents.
func TestSDKSpeaksToTheFake(t *testing.T) {
	f := fakes3.New(fakes3.Options{})
	defer f.Close()
	for i := range 2500 {
		f.Put("logs", fmt.Sprintf("p/%04d/obj.gz", i), []byte(fmt.Sprint(i)), fakes3Time)
	}
	f.Put("logs", "p/top.txt", []byte("0123456789"), fakes3Time)
	f.Put("logs", "q/other", []byte("x"), fakes3Time)
	c := client(f, f.Region())
	ctx := context.Background()

	n, pages := 0, 0
	p := s3.NewListObjectsV2Paginator(c, &s3.ListObjectsV2Input{Bucket: aws.String("logs"), Prefix: aws.String("p/")})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			t.Fatal(err)
		}
		pages++
		n += len(page.Contents)
	}
	if n != 2501 || pages != 3 {
		t.Errorf("listed %d keys in %d pages, want 2501 in 3", n, pages)
	}
	out, err := c.ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: aws.String("logs"), Prefix: aws.String("p/"), Delimiter: aws.String("/"), MaxKeys: aws.Int32(10)})
	if err != nil {
		t.Fatal(err)
	}
	if len(out.CommonPrefixes) != 10 || aws.ToString(out.CommonPrefixes[0].Prefix) != "p/0000/" || !aws.ToBool(out.IsTruncated) || aws.ToInt32(out.KeyCount) != 10 {
		t.Errorf("delimited page: %d prefixes (%v), truncated %v, key count %d", len(out.CommonPrefixes), out.CommonPrefixes, aws.ToBool(out.IsTruncated), aws.ToInt32(out.KeyCount))
	}

	get, err := c.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("logs"), Key: aws.String("p/top.txt"), Range: aws.String("bytes=2-5")})
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(get.Body)
	if string(body) != "2345" || aws.ToString(get.ContentRange) != "bytes 2-5/10" || aws.ToInt64(get.ContentLength) != 4 {
		t.Errorf("ranged GET: %q, Content-Range %q, length %d", body, aws.ToString(get.ContentRange), aws.ToInt64(get.ContentLength))
	}
	head, err := c.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String("logs"), Key: aws.String("p/top.txt")})
	if err != nil || aws.ToInt64(head.ContentLength) != 10 || !strings.HasPrefix(aws.ToString(head.ETag), `"`) {
		t.Errorf("HEAD: %v %+v", err, head)
	}

	for _, tc := range []struct {
		call func() error
		want string
	}{
		{func() error {
			_, err := c.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("logs"), Key: aws.String("p/top.txt"), Range: aws.String("bytes=20-")})
			return err
		}, "InvalidRange"},
		{func() error {
			_, err := c.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("logs"), Key: aws.String("p/top.txt"), IfMatch: aws.String(`"other"`)})
			return err
		}, "PreconditionFailed"},
		{func() error {
			_, err := c.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("logs"), Key: aws.String("nope")})
			var nsk *types.NoSuchKey
			if !errors.As(err, &nsk) {
				return fmt.Errorf("not a types.NoSuchKey: %w", err)
			}
			return err
		}, "NoSuchKey"},
		{func() error {
			_, err := c.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String("logs"), Key: aws.String("nope")})
			return err
		}, "NotFound"},
		{func() error {
			_, err := c.ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: aws.String("nope")})
			var nsb *types.NoSuchBucket
			if !errors.As(err, &nsb) {
				return fmt.Errorf("not a types.NoSuchBucket: %w", err)
			}
			return err
		}, "NoSuchBucket"},
		{func() error {
			_, err := client(f, "us-west-2").ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: aws.String("logs")})
			return err
		}, "AuthorizationHeaderMalformed"},
	} {
		if got := code(tc.call()); got != tc.want {
			t.Errorf("error code %q, want %q", got, tc.want)
		}
	}
	f.Deny("GetObject", "logs", "q/other")
	if _, err := c.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("logs"), Key: aws.String("q/other")}); code(err) != "AccessDenied" {
		t.Errorf("denied GET: %v", err)
	}
	if _, err := c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("logs"), Key: aws.String("new"), Body: strings.NewReader("x")}); err == nil {
		t.Error("the fake accepted a write")
	}
	if ops := f.Operations(); strings.Join(ops, ",") != "GetObject,HeadObject,ListObjectsV2,PUT" {
		t.Errorf("operations %v", ops)
	}
}
