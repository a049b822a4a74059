RUN echo before any stage
FROM alpine:3.20
