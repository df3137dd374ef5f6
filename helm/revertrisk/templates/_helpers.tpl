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
{{- include "revertrisk.loopEnv" . }}
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
{{- if not (include "revertrisk.needsOutcomeStore" .) }}
{{ include "revertrisk.databaseEnv" . }}
{{- end }}
- name: FEEDBACK_RATE_PER_MINUTE
  value: {{ .Values.feedback.ratePerMinute | quote }}
- name: FEEDBACK_RATE_BURST
  value: {{ .Values.feedback.rateBurst | quote }}
{{- end }}
{{- end -}}

{{/* Whether versions or outcomes are on: both keep their rows in the feedback database. */}}
{{- define "revertrisk.needsOutcomeStore" -}}
{{- if or .Values.versions.enabled .Values.outcomes.enabled }}true{{ end }}
{{- end -}}

{{- define "revertrisk.databaseEnv" -}}
- name: FEEDBACK_DATABASE_URL
  valueFrom:
    secretKeyRef:
      name: {{ .Values.feedback.databaseSecret | quote }}
      key: {{ .Values.feedback.databaseUrlKey | quote }}
{{- end -}}

{{/* The closed loop's settings (model versions, observed outcomes), for serving and precaching
alike: both follow the champion, and both record scores and outcomes. */}}
{{- define "revertrisk.loopEnv" -}}
{{- if include "revertrisk.needsOutcomeStore" . }}
{{- if not .Values.feedback.databaseSecret }}
{{- fail "versions.enabled and outcomes.enabled need feedback.databaseSecret: their rows live in that database" }}
{{- end }}
{{ include "revertrisk.databaseEnv" . }}
{{- end }}
{{- if .Values.versions.enabled }}
{{- if not .Values.versions.registryClaim }}
{{- fail "versions.enabled needs versions.registryClaim: the installed versions live on that volume" }}
{{- end }}
- name: MODEL_REGISTRY_DIR
  value: {{ .Values.versions.mountPath | quote }}
- name: VERSION_POLL_S
  value: {{ .Values.versions.pollSeconds | quote }}
{{- end }}
{{- if .Values.outcomes.enabled }}
- name: OUTCOMES_ENABLED
  value: "true"
- name: OUTCOMES_WINDOW_S
  value: {{ .Values.outcomes.windowSeconds | int64 | quote }}
- name: OUTCOMES_RADIUS
  value: {{ .Values.outcomes.radius | quote }}
- name: OUTCOMES_MAX_PAGES
  value: {{ .Values.outcomes.maxPages | quote }}
- name: OUTCOMES_SWEEP_INTERVAL_S
  value: {{ .Values.outcomes.sweepIntervalSeconds | quote }}
- name: OUTCOMES_QUALITY_PERIOD_S
  value: {{ .Values.outcomes.qualityPeriodSeconds | int64 | quote }}
- name: OUTCOMES_GAUGE_INTERVAL_S
  value: {{ .Values.outcomes.gaugeIntervalSeconds | quote }}
{{- end }}
{{- end -}}

{{/* The version registry's volume mount and volume, for serving and precaching. */}}
{{- define "revertrisk.registryMount" -}}
{{- if .Values.versions.enabled }}
- name: model-registry
  mountPath: {{ .Values.versions.mountPath | quote }}
{{- end }}
{{- end -}}

{{- define "revertrisk.registryVolume" -}}
{{- if .Values.versions.enabled }}
- name: model-registry
  persistentVolumeClaim:
    claimName: {{ .Values.versions.registryClaim | quote }}
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
