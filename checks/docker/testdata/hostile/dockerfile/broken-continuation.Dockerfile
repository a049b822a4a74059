FROM alpine:3.20
ENV APP_MODE=production \
    LOG_LEVEL=info
    DB_PASSWORD=canary-broken-line-s3cr3t
USER 10001
