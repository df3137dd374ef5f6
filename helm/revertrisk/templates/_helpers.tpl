{{- define "revertrisk.env" -}}
- name: WIKI_URL
  value: {{ .Values.wikiUrl | quote }}
- name: USER_AGENT
  value: {{ .Values.userAgent | quote }}
- name: MAX_BATCH_SIZE
  value: {{ .Values.maxBatchSize | quote }}
- name: ENABLE_PRESAVE
  value: {{ .Values.enablePresave | quote }}
{{- if .Values.redisUrl }}
- name: REDIS_URL
  value: {{ .Values.redisUrl | quote }}
{{- end }}
{{- end -}}
