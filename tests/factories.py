import factory
from eth_account import Account

from jctgov.wallets.models import User


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("address",)

    address = factory.LazyFunction(lambda: Account.create().address)
