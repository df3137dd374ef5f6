{{/* Labels every object of the release carries. */}}
{{- define "revertrisk.labels" -}}
app.kubernetes.io/name: revertrisk
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version }}
{{- end -}}

{{/* The model id each values key serves (fixed: the server knows only these). */}}
{{- define "revertrisk.modelIds" -}}
languageAgnostic: revertrisk-language-agnostic
multilingual: revertrisk-multilingual
{{- end -}}

{{/* image reference for a model's accelerator: the GPU image only ever with gpu. */}}
{{- define "revertrisk.image" -}}
{{- $image := ternary .root.Values.gpuImage .root.Values.image (eq .accelerator "gpu") -}}
{{- printf "%s:%s" $image.repository $image.tag -}}
{{- end -}}

{{- define "revertrisk.redisSecretName" -}}
{{- if eq .Values.redis.mode "bundled" -}}
{{- default (printf "%s-redis" .Release.Name) .Values.redis.bundled.existingSecret -}}
{{- else -}}
{{- .Values.redis.external.existingSecret -}}
{{- end -}}
{{- end -}}

{{- define "revertrisk.redisPasswordKey" -}}
{{- ternary .Values.redis.bundled.passwordKey .Values.redis.external.passwordKey (eq .Values.redis.mode "bundled") -}}
{{- end -}}

{{/*
REDIS_URL for serving and precaching. The password comes from the Secret into REDIS_PASSWORD and
Kubernetes expands $(REDIS_PASSWORD) into the URL, so it never appears in a manifest.
*/}}
{{- define "revertrisk.redisEnv" -}}
{{- if ne .Values.redis.mode "none" }}
{{- $secret := include "revertrisk.redisSecretName" . }}
{{- $hostPart := "" }}
{{- if eq .Values.redis.mode "bundled" }}
{{- $hostPart = printf "%s-redis:6379/0" .Release.Name }}
{{- else }}
{{- $hostPart = trimPrefix "redis://" .Values.redis.external.url }}
{{- end }}
{{- if $secret }}
- name: REDIS_PASSWORD
  valueFrom:
    secretKeyRef:
      name: {{ $secret }}
      key: {{ include "revertrisk.redisPasswordKey" . }}
- name: REDIS_URL
  value: {{ printf "redis://:$(REDIS_PASSWORD)@%s" $hostPart | quote }}
{{- else }}
- name: REDIS_URL
  value: {{ printf "redis://%s" $hostPart | quote }}
{{- end }}
{{- end }}
{{- end -}}

{{/* Environment shared by the serving containers and the precacher. */}}
{{- define "revertrisk.commonEnv" -}}
{{- with .Values.wikiUrl }}
- name: WIKI_URL
  value: {{ . | quote }}
{{- end }}
- name: USER_AGENT
  value: {{ .Values.userAgent | quote }}
- name: HTTP_TIMEOUT_S
  value: {{ .Values.httpTimeoutSeconds | quote }}
- name: MEDIAWIKI_DEADLINE_S
  value: {{ .Values.mediawikiDeadlineSeconds | quote }}
- name: MEDIAWIKI_MAX_RETRIES
  value: {{ .Values.mediawikiMaxRetries | quote }}
- name: MAX_BATCH_SIZE
  value: {{ .Values.maxBatchSize | quote }}
- name: ENABLE_PRESAVE
  value: {{ .Values.enablePresave | quote }}
- name: LOG_LEVEL
  value: {{ .Values.logLevel | quote }}
# In-flight requests get the pod's grace period less 5 s after SIGTERM, so they end before the kill.
- name: SHUTDOWN_GRACE_S
  value: {{ max 1 (sub (int .Values.terminationGracePeriodSeconds) 5) | quote }}
- name: WORKERS
  value: {{ .Values.workers | quote }}
{{- include "revertrisk.redisEnv" . }}
{{- with .Values.extraEnv }}
{{ toYaml . }}
{{- end }}
{{- end -}}

{{/* Patroller feedback: the tokens file from a Secret volume, the database URL from a Secret. */}}
{{- define "revertrisk.feedbackEnv" -}}
{{- if .Values.feedback.enabled }}
{{- if not (and .Values.feedback.tokensSecret .Values.feedback.databaseSecret) }}
{{- fail "feedback.enabled needs feedback.tokensSecret and feedback.databaseSecret" }}
{{- end }}
- name: FEEDBACK_TOKENS_FILE
  value: /etc/revertrisk/feedback/tokens
- name: FEEDBACK_DATABASE_URL
  valueFrom:
    secretKeyRef:
      name: {{ .Values.feedback.databaseSecret | quote }}
      key: {{ .Values.feedback.databaseUrlKey | quote }}
- name: FEEDBACK_RATE_PER_MINUTE
  value: {{ .Values.feedback.ratePerMinute | quote }}
- name: FEEDBACK_RATE_BURST
  value: {{ .Values.feedback.rateBurst | quote }}
{{- end }}
{{- end -}}

{{- define "revertrisk.prometheusAnnotations" -}}
prometheus.io/scrape: "true"
prometheus.io/port: {{ .port | quote }}
prometheus.io/path: /metrics
{{- end -}}

{{/* A requests or limits map with every quantity as a string, as the API server returns them. */}}
{{- define "revertrisk.quantities" -}}
{{- range $name, $quantity := . }}
{{ $name }}: {{ $quantity | toString | quote }}
{{- end }}
{{- end -}}
