"""Custom Rasa 3.6 graph components for Vietnamese as citizens type it on Zalo.

Pipeline order (bot/config.yml): ``VietnameseNormalizer`` (NFC, invisible characters) →
``VietnameseTokenizer`` (underthesea word groups; accent-folded, teencode-expanded lemmas) → featurizers →
DIET → ``VietnameseRegexEntityExtractor`` (case codes, phones, hamlets) → ``AccentInsensitiveSynonymMapper``.
"""
