from generator.tagging import compile_rules, match_tags


def test_phrases_match_whole_words_ignoring_case_and_hyphens():
    rules = compile_rules({"Vision-Language": ["vision-language"], "video": ["video"]})
    assert match_tags(rules, "Vision Language Models") == ("vision-language",)
    assert match_tags(rules, "vision–language pretraining") == ("vision-language",)
    assert match_tags(rules, "Videos everywhere") == ()


def test_acronyms_match_exactly():
    rules = compile_rules({"clip": ["CLIP"]})
    assert match_tags(rules, "a video clip") == ()
    assert match_tags(rules, "CLIP-style training") == ("clip",)


def test_rule_order_and_several_texts():
    rules = compile_rules({"b": ["beta"], "a": ["alpha"]})
    assert match_tags(rules, "alpha", "beta") == ("b", "a")
    assert match_tags(rules, "", None) == ()
