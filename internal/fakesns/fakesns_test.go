package fakesns

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/sns"
	"github.com/aws/smithy-go"
)

func client(s *Server) *sns.Client {
	return sns.New(sns.Options{Region: s.Region, BaseEndpoint: aws.String(s.URL), RetryMaxAttempts: 1,
		Credentials: credentials.NewStaticCredentialsProvider("AKID", "SECRET", "")})
}

// TestWireFormat: the real SDK client publishes to the fake and reads its
// answers and its errors, which carry SNS's codes.
func TestWireFormat(t *testing.T) {
	s := New("")
	defer s.Close()
	topic := s.AddTopic("alerts")
	c := client(s)
	ctx := context.Background()
	out, err := c.Publish(ctx, &sns.PublishInput{TopicArn: aws.String(topic), Subject: aws.String("hello"), Message: aws.String(`{"default":"d","email":"e"}`),
		MessageStructure: aws.String("json")})
	if err != nil || aws.ToString(out.MessageId) == "" {
		t.Fatalf("publish: %v %+v", err, out)
	}
	if m := s.Messages(); len(m) != 1 || m[0].Body("email") != "e" || m[0].Body("sqs") != "d" || !strings.Contains(m[0].AuthorizationHead, "/sns/aws4_request") {
		t.Fatalf("messages %+v", m)
	}
	for _, tc := range []struct {
		in   *sns.PublishInput
		code string
	}{
		{&sns.PublishInput{TopicArn: aws.String(topic + "x"), Message: aws.String("m")}, "NotFound"},
		{&sns.PublishInput{TopicArn: aws.String(topic), Message: aws.String("m"), Subject: aws.String("two\nlines")}, "InvalidParameter"},
		{&sns.PublishInput{TopicArn: aws.String(topic), Message: aws.String("m"), Subject: aws.String(strings.Repeat("s", 100))}, "InvalidParameter"},
		{&sns.PublishInput{TopicArn: aws.String(topic), Message: aws.String(`{"email":"e"}`), MessageStructure: aws.String("json")}, "InvalidParameter"},
		{&sns.PublishInput{TopicArn: aws.String(topic), Message: aws.String("m"), MessageDeduplicationId: aws.String("d")}, "InvalidParameter"},
	} {
		_, err := c.Publish(ctx, tc.in)
		var ae smithy.APIError
		if !errors.As(err, &ae) || ae.ErrorCode() != tc.code {
			t.Errorf("%+v: %v, want %s", tc.in, err, tc.code)
		}
	}
	f := s.AddFault(Fault{Code: "InternalError", Times: 1})
	_, err = c.Publish(ctx, &sns.PublishInput{TopicArn: aws.String(topic), Message: aws.String("m")})
	var ae smithy.APIError
	if !errors.As(err, &ae) || ae.ErrorCode() != "InternalError" || s.Fired(f) != 1 {
		t.Fatalf("fault: %v", err)
	}
	if _, err := c.Publish(ctx, &sns.PublishInput{TopicArn: aws.String(topic), Message: aws.String("m")}); err != nil {
		t.Fatalf("after the fault: %v", err)
	}
	if s.Requests() != 8 || len(s.Messages()) != 2 {
		t.Fatalf("%d requests, %d messages", s.Requests(), len(s.Messages()))
	}
}
