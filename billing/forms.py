from django import forms

from billing.models import Cycle
from utilityclerk import business_day


class RouteDayForm(forms.Form):
    read_on = forms.DateField(label="Read date", widget=forms.DateInput(attrs={"type": "date"}))

    def clean_read_on(self):
        value = self.cleaned_data["read_on"]
        if value > business_day.today():
            raise forms.ValidationError("Reads cannot be dated in the future.")
        return value


class ImportForm(forms.Form):
    file = forms.FileField(
        label="Reads file (CSV)",
        help_text="Columns: meter, date (YYYY-MM-DD or MM/DD/YYYY), reading. A header row is optional.",
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > 5 * 1024 * 1024:
            raise forms.ValidationError("The file is larger than 5 MB: split it by route.")
        return upload


class StartRunForm(forms.Form):
    cycle = forms.ModelChoiceField(Cycle.objects.all(), label="Cycle", empty_label=None)
    period_end = forms.DateField(
        label="Period ends (the read date)", widget=forms.DateInput(attrs={"type": "date"})
    )

    def clean_period_end(self):
        value = self.cleaned_data["period_end"]
        if value > business_day.today():
            raise forms.ValidationError("A period cannot end in the future.")
        return value


class EstimateForm(forms.Form):
    read_on = forms.DateField(label="Estimate for", widget=forms.DateInput(attrs={"type": "date"}))
