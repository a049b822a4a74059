FROM alpine:3.20
ENV DB_PASSWORD="canary-unterminated-pw
USER 10001
