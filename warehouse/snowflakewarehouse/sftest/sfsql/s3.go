package sfsql

import (
	"context"
	"fmt"
	"io"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

// s3Reader reads external stages from an S3-compatible server with
// path-style addressing.
type s3Reader struct {
	client *s3.Client
}

// newS3Reader makes the client of opts.
func newS3Reader(opts S3Options) *s3Reader {
	region := opts.Region
	if region == "" {
		region = "us-east-1"
	}
	cfg := aws.Config{
		Region: region,
		Credentials: aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) {
			return aws.Credentials{AccessKeyID: opts.AccessKeyID, SecretAccessKey: opts.SecretAccessKey}, nil
		}),
	}
	return &s3Reader{client: s3.NewFromConfig(cfg, func(o *s3.Options) {
		o.BaseEndpoint = aws.String(opts.Endpoint)
		o.UsePathStyle = true
	})}
}

// list lists the stage's objects under prefix (relative to the stage
// URL).
func (r *s3Reader) list(ctx context.Context, sg *stage, prefix string) ([]stageFile, error) {
	var out []stageFile
	pages := s3.NewListObjectsV2Paginator(r.client, &s3.ListObjectsV2Input{
		Bucket: aws.String(sg.bucket), Prefix: aws.String(sg.prefix + prefix),
	})
	for pages.HasMorePages() {
		page, err := pages.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("sfsql: list s3://%s/%s: %w", sg.bucket, sg.prefix+prefix, err)
		}
		for _, o := range page.Contents {
			key := aws.ToString(o.Key)
			if strings.HasSuffix(key, "/") {
				continue
			}
			out = append(out, stageFile{
				path: strings.TrimPrefix(key, sg.prefix), size: aws.ToInt64(o.Size),
				md5: strings.Trim(aws.ToString(o.ETag), `"`), modified: aws.ToTime(o.LastModified),
			})
		}
	}
	return out, nil
}

// read reads one object.
func (r *s3Reader) read(ctx context.Context, sg *stage, p string) ([]byte, error) {
	out, err := r.client.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(sg.bucket), Key: aws.String(sg.prefix + p)})
	if err != nil {
		return nil, fmt.Errorf("sfsql: read s3://%s/%s: %w", sg.bucket, sg.prefix+p, err)
	}
	defer func() { _ = out.Body.Close() }()
	data, err := io.ReadAll(out.Body)
	if err != nil {
		return nil, fmt.Errorf("sfsql: read s3://%s/%s: %w", sg.bucket, sg.prefix+p, err)
	}
	return data, nil
}

// remove deletes one object.
func (r *s3Reader) remove(ctx context.Context, sg *stage, p string) error {
	if _, err := r.client.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: aws.String(sg.bucket), Key: aws.String(sg.prefix + p)}); err != nil {
		return fmt.Errorf("sfsql: delete s3://%s/%s: %w", sg.bucket, sg.prefix+p, err)
	}
	return nil
}
