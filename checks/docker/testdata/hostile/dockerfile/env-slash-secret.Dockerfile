FROM alpine:3.20
ENV API_TOKEN=/canaryS3cr3tT0kenValue9
ENV TLS_KEY=/run/secrets/tls_key
ENV SIGNING_KEY=/app.pem
USER 10001
